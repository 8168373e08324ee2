import {
  ApiError,
  CancelledError,
  UsageError,
  exitCodeForStatus,
  EXIT,
  TopoError,
  type ExitCode,
} from '../../api/errors.js';
import type { Task } from '../../api/types.js';
import type { Context } from '../../context.js';
import { isUuid } from '../parse.js';

/** What bulk commands share: reading IDs, confirming, a bounded pool of workers, per-item results. */

export type ItemResult = 'changed' | 'unchanged' | 'failed';

export interface ItemOutcome {
  id: string;
  result: ItemResult;
  task: Task | null;
  error: { status: number | null; type: string | null; message: string; request_id: string | null } | null;
}

export function errorOf(error: unknown): NonNullable<ItemOutcome['error']> {
  if (error instanceof ApiError) {
    return {
      status: error.status,
      type: error.type ?? null,
      message: error.message,
      request_id: error.requestId ?? null,
    };
  }
  return {
    status: null,
    type: error instanceof TopoError ? error.name : null,
    message: error instanceof Error ? error.message : String(error),
    request_id: null,
  };
}

/** Task IDs from arguments, or from stdin with `-` (whitespace-separated); checked and de-duplicated. */
export async function readTaskIds(ctx: Context, args: string[]): Promise<string[]> {
  let raw = args;
  if (args.includes('-')) {
    if (args.length > 1)
      throw new UsageError("give task IDs as arguments or '-' for standard input, not both");
    if (ctx.io.stdinIsTTY)
      throw new UsageError("'-' reads task IDs from standard input, but it is a terminal; pipe them in");
    raw = (await ctx.readStdin()).split(/\s+/).filter(Boolean);
  }
  if (raw.length === 0) throw new UsageError('no task IDs given');
  const bad = raw.filter((id) => !isUuid(id));
  if (bad.length > 0) {
    throw new UsageError(
      `not a task ID: '${bad[0]}'${bad.length > 1 ? ` (and ${bad.length - 1} more)` : ''}`,
    );
  }
  return [...new Set(raw.map((id) => id.toLowerCase()))];
}

/**
 * Checked before anything is sent: a change that needs confirmation cannot go ahead without a person or --yes.
 */
export function requireConfirmable(
  ctx: Context,
  opts: { yes?: boolean; dryRun?: boolean },
  what: string,
): void {
  if (opts.yes || opts.dryRun || ctx.canPrompt) return;
  throw new UsageError(
    `${what} needs confirmation, but there is no terminal to ask: pass --yes (or --dry-run to preview)`,
  );
}

/** Asks on the terminal unless --yes; declining ends the run with exit 130 and nothing changed. */
export async function confirm(ctx: Context, opts: { yes?: boolean }, question: string): Promise<void> {
  if (opts.yes) return;
  const ok = await (await ctx.prompter()).confirm(question);
  if (!ok) throw new CancelledError('cancelled: nothing was changed');
}

/**
 * Runs work over items with at most `concurrency` at once, in input order of starting. `shouldStop` is checked
 * before each new item starts, so an abort lets the ones in flight finish.
 */
export async function runPool<T, R>(
  items: T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
  shouldStop: () => boolean = () => false,
): Promise<(R | undefined)[]> {
  const results: (R | undefined)[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length && !shouldStop()) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** Per-item results on stdout: the `--json` array, or when piped the IDs that changed, one per line. */
export async function printItemOutcomes(ctx: Context, json: boolean, outcomes: ItemOutcome[]): Promise<void> {
  if (json) {
    const { printJson } = await import('../../output/json.js');
    await printJson(ctx, outcomes);
  } else if (!ctx.io.stdoutIsTTY) {
    const changed = outcomes.filter((o) => o.result === 'changed');
    if (changed.length) await ctx.out(changed.map((o) => `${o.id}\n`).join(''));
  }
}

/** The exit code of a bulk run: one item → its own error's code; several with a failure → 6. */
export function bulkExitCode(outcomes: ItemOutcome[]): ExitCode {
  const failed = outcomes.filter((o) => o.result === 'failed');
  if (failed.length === 0) return EXIT.ok;
  if (outcomes.length > 1) return EXIT.partial;
  const status = failed[0]!.error?.status;
  return status ? exitCodeForStatus(status) : EXIT.failure;
}

export function isAuthFailure(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 401 || error.status === 403);
}
