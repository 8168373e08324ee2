import type * as Inquirer from '@inquirer/prompts';
import { CancelledError } from './api/errors.js';

/** Questions asked on the terminal. Callers check that there is a person at both ends first. */
export interface Prompter {
  confirm(message: string): Promise<boolean>;
  input(message: string): Promise<string>;
  password(message: string): Promise<string>;
}

/** Inquirer prompts drawn on stderr, so stdout stays data; Ctrl-C at a prompt cancels with nothing changed. */
export function createPrompter(io: {
  stdin: NodeJS.ReadableStream;
  stderr: NodeJS.WritableStream;
}): Prompter {
  const context = { input: io.stdin, output: io.stderr, clearPromptOnDone: false };
  const ask = async <T>(question: (prompts: typeof Inquirer) => Promise<T>): Promise<T> => {
    const prompts = await import('@inquirer/prompts');
    try {
      return await question(prompts);
    } catch (error) {
      if (error instanceof Error && error.name === 'ExitPromptError') {
        io.stderr.write('\n');
        throw new CancelledError('cancelled: nothing was changed');
      }
      throw error;
    }
  };
  return {
    confirm: (message) => ask((p) => p.confirm({ message, default: false }, context)),
    input: (message) => ask((p) => p.input({ message }, context)),
    password: (message) => ask((p) => p.password({ message, mask: '*' }, context)),
  };
}
