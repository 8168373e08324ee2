import type { IO, Prompter } from './context.js';

/** Inquirer prompts drawn on stderr, so stdout stays data. Callers check ctx.canPrompt first. */
export function createPrompter(io: IO): Prompter {
  const context = { input: io.stdin, output: io.stderr, clearPromptOnDone: false };
  return {
    async confirm(message) {
      const { confirm } = await import('@inquirer/prompts');
      return confirm({ message, default: false }, context);
    },
    async input(message) {
      const { input } = await import('@inquirer/prompts');
      return input({ message }, context);
    },
    async password(message) {
      const { password } = await import('@inquirer/prompts');
      return password({ message, mask: '*' }, context);
    },
  };
}
