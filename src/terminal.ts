import { text as readAll } from 'node:stream/consumers';
import { InterruptedError, type Signal } from './errors.js';
import type { Prompter } from './prompt.js';

/** The streams of a run and whether each is a terminal: what `main()` is given, so tests can inject them. */
export interface IO {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  columns: number;
  /**
   * The terminal itself (/dev/tty), to ask a question when standard input is a pipe: undefined where there is
   * none (no controlling terminal, another platform).
   */
  openTerminal?: () => NodeJS.ReadableStream | undefined;
}

export type Env = Record<string, string | undefined>;

export interface InterruptRegistry {
  /** The handler runs on the next Ctrl-C or SIGTERM instead of ending the process; returns its removal. */
  add(handler: (signal: Signal) => void): () => void;
}

export interface TerminalOptions {
  /** false with --no-color. */
  color?: boolean;
  /** false with --no-links. */
  links?: boolean;
  prompter?: Prompter;
  interrupts?: InterruptRegistry;
}

/**
 * The person's side of a run: the streams, colour, prompts, progress and interruptions. stdout carries data
 * only; everything meant for the person goes to stderr.
 */
/** A line drawn in place on stderr (a progress bar): taken away while a message is written, then drawn again. */
export interface LiveLine {
  clear(): void;
  redraw(): void;
}

export class Terminal {
  private promptImpl: Prompter | undefined;
  private live: LiveLine | undefined;

  constructor(
    readonly io: IO,
    private readonly env: Env,
    private readonly options: TerminalOptions = {},
  ) {
    this.promptImpl = options.prompter;
  }

  get stdoutIsTTY(): boolean {
    return this.io.stdoutIsTTY;
  }

  get stderrIsTTY(): boolean {
    return this.io.stderrIsTTY;
  }

  get columns(): number {
    return this.io.columns;
  }

  /** Colour on stdout: off with --no-color, NO_COLOR, TERM=dumb or a pipe; FORCE_COLOR forces it. */
  get color(): boolean {
    return this.colorFor(this.io.stdoutIsTTY);
  }

  get stderrColor(): boolean {
    return this.colorFor(this.io.stderrIsTTY);
  }

  private colorFor(isTTY: boolean): boolean {
    if (this.options.color === false) return false;
    if (this.env.NO_COLOR !== undefined && this.env.NO_COLOR !== '') return false;
    const force = this.env.FORCE_COLOR;
    if (force !== undefined) return force !== '0' && force !== 'false';
    if (this.env.TERM === 'dumb') return false;
    return isTTY;
  }

  /**
   * Hyperlinks on stdout (contacts one click away): never piped, off with --no-links or TOPO_LINKS=0, on with
   * TOPO_LINKS=1; otherwise where the terminal supports them, as a well-kept library judges it (which also
   * honours FORCE_HYPERLINK=1). Asked only where a link may be drawn, so piped output never loads it.
   */
  async hyperlinks(): Promise<boolean> {
    if (this.options.links === false || !this.io.stdoutIsTTY) return false;
    const setting = (this.env.TOPO_LINKS ?? '').trim().toLowerCase();
    if (['0', 'false', 'no', 'off'].includes(setting)) return false;
    if (['1', 'true', 'yes', 'on'].includes(setting)) return true;
    const { terminalSupportsHyperlinks } = await import('./output/links.js');
    return terminalSupportsHyperlinks(this.env);
  }

  /** Prompts need a person at both ends. */
  get canPrompt(): boolean {
    return (this.io.stdinIsTTY || this.questionInput !== undefined) && this.io.stdoutIsTTY;
  }

  /** Where questions are read from when standard input is not the terminal (see askOnTerminal). */
  private questionInput: NodeJS.ReadableStream | undefined;

  /**
   * Standard input held data (IDs piped in): questions are read from the terminal itself, as `xargs -p` does,
   * when stdout and stderr are on it too. A script with no terminal still needs --yes.
   */
  askOnTerminal(): void {
    if (this.io.stdinIsTTY || !this.io.stdoutIsTTY || !this.io.stderrIsTTY || this.questionInput) return;
    this.questionInput = this.io.openTerminal?.();
  }

  /** Spinners and progress bars: only on a TTY stderr outside CI. */
  get showProgress(): boolean {
    return this.io.stderrIsTTY && !this.env.CI;
  }

  /** Writes data to stdout, waiting when the pipe is full so memory stays flat. */
  out(text: string): Promise<void> {
    return writeAll(this.io.stdout, text);
  }

  /**
   * Long text for a person to read: through a pager on a terminal (TOPO_PAGER, then PAGER, default
   * `less -FRX`, which stays out of the way when the text fits), straight to stdout otherwise.
   */
  async page(text: string): Promise<void> {
    const command = (this.env.TOPO_PAGER ?? this.env.PAGER ?? 'less -FRX').trim();
    if (!this.io.stdoutIsTTY || command === '' || command === 'cat') return this.out(text);
    const [program, ...args] = command.split(/\s+/);
    const { spawn } = await import('node:child_process');
    // The pager writes to the terminal itself; an injected stream (tests) gets its output piped.
    const fd = (this.io.stdout as { fd?: unknown }).fd;
    const direct = typeof fd === 'number';
    const env = { ...this.env, LESS: this.env.LESS ?? 'FRX' };
    const child = spawn(program!, args, { stdio: ['pipe', direct ? 'inherit' : 'pipe', 'inherit'], env });
    if (!direct) child.stdout!.pipe(this.io.stdout, { end: false });
    const closed = new Promise<number | 'missing'>((resolve) => {
      child.on('error', () => resolve('missing'));
      child.on('close', (code) => resolve(code ?? 0));
    });
    // The person may quit the pager before reading everything: that is not an error.
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(text);
    // Ctrl-C reaches the pager too, which handles it (less stops what it does and stays): topo waits for the
    // pager to end, as git does, rather than leave it reading the terminal behind the shell. SIGTERM ends the
    // pager, then topo as usual.
    let terminated = false;
    let release = (): void => undefined;
    const hold = (): void => {
      release = this.onInterrupt((signal) => {
        if (signal === 'SIGTERM') {
          terminated = true;
          child.kill('SIGTERM');
        } else hold();
      });
    };
    hold();
    const result = await closed.finally(() => release());
    // Ended by SIGTERM while paging: exit 143, with nothing more to say.
    if (terminated) throw new InterruptedError('', 'SIGTERM');
    if (result === 0) return;
    // A pager that cannot start or fails (TOPO_PAGER=false) must not swallow the text.
    this.warn(
      `the pager '${command}' ${result === 'missing' ? 'could not start' : `failed (exit ${result})`}; printing directly`,
    );
    await this.out(text);
  }

  /** Messages for the person: stderr, above a progress bar that is being drawn. */
  err(text: string): void {
    this.live?.clear();
    this.io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
    this.live?.redraw();
  }

  /** The line drawn in place from now on (undefined: none); messages are written above it. */
  setLive(live: LiveLine | undefined): void {
    this.live = live;
  }

  warn(text: string): void {
    this.err(`warning: ${text}`);
  }

  /** All of standard input, as text (for `-` arguments and keys piped to `auth login --with-token`). */
  readStdin(): Promise<string> {
    return readAll(this.io.stdin);
  }

  async prompter(): Promise<Prompter> {
    if (!this.promptImpl) {
      const { createPrompter } = await import('./prompt.js');
      this.promptImpl = createPrompter(
        { stdin: this.questionInput ?? this.io.stdin, stderr: this.io.stderr },
        (handler) => this.onInterrupt(handler),
        this.stderrColor,
      );
    }
    return this.promptImpl;
  }

  /**
   * Runs the handler on the first Ctrl-C (SIGINT) or SIGTERM; a second one ends the process as usual.
   * Returns a function that removes the handler.
   */
  onInterrupt(handler: (signal: Signal) => void): () => void {
    if (this.options.interrupts) return this.options.interrupts.add(handler);
    const listeners = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
      const listener = () => {
        dispose();
        handler(signal);
      };
      process.on(signal, listener);
      return [signal, listener] as const;
    });
    const dispose = () => {
      for (const [signal, listener] of listeners) process.off(signal, listener);
    };
    return dispose;
  }
}

export function writeAll(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (stream.write(text)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      stream.off('error', onError);
      resolve();
    };
    const onError = (error: Error) => {
      stream.off('drain', onDrain);
      reject(error);
    };
    stream.once('drain', onDrain);
    stream.once('error', onError);
  });
}
