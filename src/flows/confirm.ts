import { CancelledError, UsageError } from '../errors.js';
import type { Terminal } from '../terminal.js';

/** Asking before a change: whether there is anyone to ask, and the question. */

/** Checked before anything is sent: a change that needs confirmation cannot go ahead without a person or --yes. */
export function requireConfirmable(
  terminal: Terminal,
  opts: { yes?: boolean; dryRun?: boolean },
  what: string,
): void {
  if (opts.yes || opts.dryRun || terminal.canPrompt) return;
  throw new UsageError(
    `${what} needs confirmation, but there is no terminal to ask: pass --yes (or --dry-run to preview)`,
  );
}

/** Asks on the terminal unless --yes; declining ends the run with exit 130 and nothing changed. */
export async function confirm(terminal: Terminal, opts: { yes?: boolean }, question: string): Promise<void> {
  if (opts.yes) return;
  const ok = await (await terminal.prompter()).confirm(question);
  if (!ok) throw new CancelledError('cancelled: nothing was changed');
}
