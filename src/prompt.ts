import type * as Inquirer from '@inquirer/prompts';
import type { ChalkInstance } from 'chalk';
import { CancelledError, InterruptedError, type Signal } from './errors.js';

/** Questions asked on the terminal. Callers check that there is a person at both ends first. */
export interface Prompter {
  confirm(message: string): Promise<boolean>;
  input(message: string): Promise<string>;
  password(message: string): Promise<string>;
  /** One of a few actions, each picked by pressing its key (no Enter). */
  choose<T>(message: string, choices: Choice<T>[]): Promise<T>;
  /** One value from a list filtered as the person types (or what they type, when `free` accepts it). */
  search(message: string, choices: Named[], free?: (typed: string) => boolean): Promise<string>;
  /** Several items ticked from a list filtered as the person types. */
  tick<T>(message: string, choices: { name: string; value: T; short?: string }[]): Promise<T[]>;
}

/** Each character of a text, as a union of one-character strings. */
type CharOf<S extends string> = S extends `${infer C}${infer Rest}` ? C | CharOf<Rest> : never;

/** A key for an action: a lower-case letter, pressed alone to pick it. */
type ActionKey = CharOf<'abcdefghijklmnopqrstuvwxyz'>;

export interface Choice<T> {
  key: ActionKey;
  name: string;
  value: T;
}

export interface Named {
  name: string;
  value: string;
  description?: string;
}

type Streams = { stdin: NodeJS.ReadableStream; stderr: NodeJS.WritableStream };

/**
 * Inquirer prompts drawn on stderr, so stdout stays data. Ctrl-C at a prompt cancels with nothing changed
 * (exit 130); Ctrl-D answers no to a yes/no question and cancels any other.
 */
export function createPrompter(
  io: Streams,
  onInterrupt?: (handler: (signal: Signal) => void) => () => void,
  /** The run's colour decision for stderr (chalk's own ignores NO_COLOR). */
  color = false,
): Prompter {
  // A Ctrl-D (or the end of the stream) one question took: the questions after it end at once too.
  let inputEnded = false;
  const ask = async <T>(
    question: (prompts: typeof Inquirer, context: object) => Promise<T>,
    onEndOfInput: () => T,
    options: { escape?: boolean } = {},
  ): Promise<T> => {
    const [prompts, { answered }] = await Promise.all([
      import('@inquirer/prompts'),
      import('./prompts/ahead.js'),
    ]);
    answered.given = false;
    const controller = new AbortController();
    let ended = false;
    // The end of input waits two turns: an answer given just before it (keys typed ahead and Enter, then the
    // end: `rdev⏎` and Ctrl-D) resolves on the next turn and is not undone by it.
    const endLater = () => setImmediate(() => setImmediate(() => controller.abort()));
    // The end of input (a Ctrl-D the terminal took as one, a closed stream) ends the question as Ctrl-D does.
    const onEnd = () => {
      ended = true;
      inputEnded = true;
      endLater();
    };
    const onData = (chunk: Buffer | string) => {
      const bytes = String(chunk);
      // In raw mode Ctrl-D arrives as a byte, not as the end of the stream.
      if (bytes.includes('\u0004')) onEnd();
      // Esc (an arrow key is ESC and more, in one read: a read that ends with ESC ends with the key itself,
      // typed alone or after text, `bob⎋`) leaves a picker as Ctrl-C does.
      if (options.escape && bytes.endsWith('\u001b')) controller.abort();
    };
    // A SIGINT or SIGTERM sent to the process (not typed: a typed Ctrl-C is a key in raw mode) cancels too.
    let signalled: Signal | undefined;
    const offInterrupt = onInterrupt?.((signal) => {
      signalled = signal;
      controller.abort();
    });
    io.stdin.on('data', onData);
    io.stdin.on('end', onEnd);
    const context = {
      input: io.stdin,
      output: io.stderr,
      clearPromptOnDone: false,
      signal: controller.signal,
    };
    try {
      // Input that ended before the question (or a Ctrl-D an earlier question took: nothing more will be typed,
      // it would wait forever): keys typed ahead of it are still taken (a turn more for their replay), then the
      // question ends as at Ctrl-D.
      if ((io.stdin as { readableEnded?: boolean }).readableEnded || inputEnded) {
        ended = true;
        setImmediate(endLater);
      }
      return await question(prompts, context);
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (signalled && name === 'AbortPromptError') {
        io.stderr.write('\n');
        throw new InterruptedError('cancelled: nothing was changed', signalled);
      }
      // A Ctrl-C (or the end of input) typed right after the answer: the answer stands, the key is the next
      // prompt's.
      if (answered.given && (name === 'ExitPromptError' || name === 'AbortPromptError'))
        return answered.value as T;
      if (ended && name === 'AbortPromptError') {
        io.stderr.write('\n');
        return onEndOfInput();
      }
      if (name === 'ExitPromptError' || name === 'AbortPromptError') {
        io.stderr.write('\n');
        throw new CancelledError('cancelled: nothing was changed');
      }
      throw error;
    } finally {
      offInterrupt?.();
      io.stdin.off('data', onData);
      io.stdin.off('end', onEnd);
    }
  };
  const cancel = (): never => {
    throw new CancelledError('cancelled: nothing was changed');
  };
  return {
    confirm: (message) =>
      ask(
        (p, context) => p.confirm({ message, default: false }, context),
        () => false,
      ),
    input: (message) => ask((p, context) => p.input({ message }, context), cancel),
    password: (message) => ask((p, context) => p.password({ message, mask: '*' }, context), cancel),
    choose: async (message, choices) => {
      const { pressKey } = await import('./prompts/keys.js');
      return ask((_p, context) => pressKey({ message, choices }, context), cancel);
    },
    search: async (message, choices, free) => {
      const [{ pick }, { makeChalk }] = await Promise.all([
        import('./prompts/pick.js'),
        import('./output/color.js'),
      ]);
      const c = makeChalk(color);
      return ask(
        (_p, context) => pick({ message, choices, free, keysHelp: (keys) => keysHelp(keys, c) }, context),
        cancel,
        { escape: true },
      );
    },
    tick: async (message, choices) => {
      const { tick } = await import('./prompts/tick.js');
      return ask((_p, context) => tick({ message, choices }, context), cancel, { escape: true });
    },
  };
}

/** The picker's keys, as it draws them, and Esc. */
function keysHelp(keys: [string, string][], c: ChalkInstance): string {
  return [...keys, ['esc', 'cancel']]
    .map(([key, action]) => `${c.bold(key)} ${c.dim(action)}`)
    .join(c.dim(' • '));
}
