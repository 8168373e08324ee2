import type { Signal } from '../../errors.js';

/** Where Ctrl-C and SIGTERM go: the handler runs on the next one instead of ending the process. */
export type OnInterrupt = (handler: (signal: Signal) => void) => () => void;

/**
 * Ctrl-C or SIGTERM, from a job's start to its last line: no call starts after it, a check still to come is
 * skipped (its requests let go), and what moved and what is left is still said and journaled. A second one
 * ends the process at once.
 */
export class Stop {
  signal: Signal | undefined;
  /** What a stop cuts short now, for the line that says so. */
  doing = 'letting the calls in flight finish';
  private readonly stopped: Promise<void>;
  private readonly dispose: () => void;

  constructor(onInterrupt: OnInterrupt, said: (signal: Signal, doing: string) => void) {
    let wake: () => void = () => undefined;
    this.stopped = new Promise((resolve) => (wake = resolve));
    this.dispose = onInterrupt((signal) => {
      this.signal = signal;
      said(signal, this.doing);
      wake();
    });
  }

  /** The work's result, or nothing when a stop came first (or had come): the work is then let go. */
  async unless<T>(work: () => Promise<T>): Promise<{ value: T } | undefined> {
    if (this.signal) return undefined;
    const running = work();
    running.catch(() => undefined);
    return Promise.race([running.then((value) => ({ value })), this.stopped.then(() => undefined)]);
  }

  /** Resolves `ms` after the stop (from now, when it came already); never, when no stop comes. */
  grace(ms: number): Promise<void> {
    return this.stopped.then(() => new Promise<void>((resolve) => setTimeout(resolve, ms).unref()));
  }

  end(): void {
    this.dispose();
  }
}
