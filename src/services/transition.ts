import type { ApiClient } from '../api/client.js';
import { ApiError, InterruptedError, NetworkError, PartialFailureError, TopoError } from '../api/errors.js';
import { getTask } from '../api/tasks.js';
import type { Task, TaskStatus } from '../api/types.js';
import type { Context } from '../context.js';
import { makeChalk } from '../output/color.js';
import { plural } from '../output/format.js';
import {
  failureText,
  outcomeLine,
  printDryRun,
  printOutcomes,
  printPreview,
  type ItemOutcome,
  type PreviewItem,
} from '../output/outcomes.js';
import { whoFrom } from '../output/tasks.js';
import type { Signal } from '../terminal.js';
import {
  bulkExitCode,
  confirm,
  errorFromItem,
  errorOf,
  isAuthFailure,
  isRetryable,
  runPool,
} from './bulk.js';

/** skip and reopen: the same course, a different transition. */
export interface TransitionSpec {
  verb: 'skip' | 'reopen';
  past: string;
  target: TaskStatus;
  from: readonly TaskStatus[];
  send: (client: ApiClient, id: string) => Promise<Task>;
}

export interface TransitionOptions {
  yes: boolean;
  dryRun: boolean;
  concurrency: number;
}

const MAX_POST_ATTEMPTS = 3;

/** What each task is now, and what the change would do to it. */
async function plan(
  client: ApiClient,
  spec: TransitionSpec,
  ids: readonly string[],
  concurrency: number,
  shouldStop: () => boolean,
): Promise<PreviewItem[]> {
  const items = await runPool(
    ids,
    concurrency,
    async (id): Promise<PreviewItem> => {
      try {
        const task = await getTask(client, id);
        if (task.status === spec.target)
          return {
            id,
            result: 'unchanged',
            task,
            error: null,
            target: spec.target,
            why: `already ${label(task)}`,
          };
        if (spec.from.includes(task.status as TaskStatus))
          return {
            id,
            result: 'would_change',
            task,
            error: null,
            target: spec.target,
            why: `would ${spec.verb}`,
          };
        return {
          id,
          result: 'would_fail',
          task,
          error: null,
          target: spec.target,
          why: `${label(task)} tasks cannot be ${spec.past}`,
        };
      } catch (error) {
        if (isAuthFailure(error)) throw error;
        const e = errorOf(error);
        return { id, result: 'failed', task: null, error: e, target: spec.target, why: failureText(e) };
      }
    },
    shouldStop,
  );
  return items.filter((i): i is PreviewItem => i !== undefined);
}

function label(task: Task): string {
  return String(task.status).toLowerCase().replace(/_/g, ' ');
}

/**
 * Skips or reopens tasks: reads each one first (so results are true and nothing already done is sent),
 * shows and confirms when there are several, changes them with bounded concurrency, and reports each.
 */
export async function runTransition(
  ctx: Context,
  spec: TransitionSpec,
  ids: readonly string[],
  o: TransitionOptions,
): Promise<void> {
  const { terminal, output } = ctx;
  if (ids.length === 0) {
    terminal.err('Nothing to do: no task IDs were given on standard input.');
    if (output.format === 'json') await output.json([]);
    return;
  }
  const client = await ctx.session.api();
  const who = whoFrom(await ctx.people.names());
  let signal: Signal | undefined;
  const dispose = terminal.onInterrupt((s) => {
    signal = s;
    terminal.err('\nStopping: letting the calls in flight finish (Ctrl-C again to quit at once)…');
  });
  try {
    const items = await plan(client, spec, ids, o.concurrency, () => signal !== undefined);
    if (signal) throw new InterruptedError('interrupted before any change: nothing was changed', signal);
    if (o.dryRun) {
      await printDryRun(output, items, who, output.chalk());
      return;
    }
    const toSend = items.filter((i) => i.result !== 'unchanged' && i.result !== 'failed');
    if (ids.length > 1 && !o.yes && toSend.length > 0) {
      printPreview(output, items, who, makeChalk(terminal.stderrColor));
      await confirm(terminal, o, `${capitalize(spec.verb)} ${plural(toSend.length, 'task')}?`);
    }
    await execute(ctx, client, spec, items, o, () => signal);
  } finally {
    dispose();
  }
}

async function execute(
  ctx: Context,
  client: ApiClient,
  spec: TransitionSpec,
  items: readonly PreviewItem[],
  o: TransitionOptions,
  interrupted: () => Signal | undefined,
): Promise<void> {
  const { terminal, output } = ctx;
  const c = makeChalk(terminal.stderrColor);
  const several = items.length > 1;
  const results = new Map<string, ItemOutcome>();
  let stopError: unknown;
  const report = (outcome: ItemOutcome) => {
    results.set(outcome.id, outcome);
    if (terminal.stderrIsTTY || (outcome.result === 'failed' && several))
      terminal.err(outcomeLine(outcome, spec.past, c));
  };
  for (const item of items) {
    if (item.result === 'unchanged')
      report({ id: item.id, result: 'unchanged', task: item.task, error: null });
    if (item.result === 'failed') report({ id: item.id, result: 'failed', task: null, error: item.error });
  }
  const toSend = items.filter((i) => !results.has(i.id));
  await runPool(
    toSend,
    o.concurrency,
    async (item) => {
      try {
        report(await applyTransition(client, spec, item.task!));
      } catch (error) {
        if (!isAuthFailure(error)) throw error;
        stopError ??= error;
      }
    },
    () => stopError !== undefined || interrupted() !== undefined,
  );
  const ordered = items.map((i) => results.get(i.id)).filter((r): r is ItemOutcome => r !== undefined);
  await printOutcomes(output, ordered);
  const n = (r: string) => ordered.filter((x) => x.result === r).length;
  const left = items.length - ordered.length;
  if (several || stopError || left > 0) {
    terminal.err(
      `${n('changed')} ${spec.past}, ${n('unchanged')} unchanged, ${n('failed')} failed${left ? `, ${left} not attempted` : ''}.`,
    );
  }
  if (stopError) {
    const e = stopError as ApiError;
    throw new ApiError(
      `${e.message}; stopped with ${plural(left, 'task')} not attempted`,
      e.status,
      e.type,
      e.requestId,
      e.body,
    );
  }
  const signal = interrupted();
  if (signal && left > 0) {
    throw new InterruptedError(
      `interrupted: ${n('changed')} ${spec.past}, ${plural(left, 'task')} left; run the same command again to finish`,
      signal,
    );
  }
  const code = bulkExitCode(ordered);
  if (code === 0) return;
  const failed = ordered.filter((x) => x.result === 'failed');
  if (!several) {
    const only = failed[0]!;
    throw errorFromItem(only.error!, `task ${only.id} was not ${spec.past}: ${only.error!.message}`);
  }
  const retry = failed.some((f) => f.error && isRetryable(f.error))
    ? '; run the same command again to retry them'
    : '';
  const message = `${failed.length} of ${plural(ordered.length, 'task')} failed${retry}`;
  if (code === 6) throw new PartialFailureError(message);
  const kinds = new Set(failed.map((f) => `${f.error?.status}/${f.error?.type}`));
  // All failed alike: the shared status and type (not one item's request id); else a plain failure.
  if (kinds.size === 1) throw errorFromItem({ ...failed[0]!.error!, request_id: null }, message);
  throw new TopoError(message, code);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * One task, never applied twice and reported truly. The POST has no idempotency key, so after an answer that
 * may hide a change (dropped connection, timeout, 5xx) the task is read back and compared with what it was
 * before the call (`before`, read just earlier): only a task still where it was is sent again.
 */
export async function applyTransition(
  client: ApiClient,
  spec: TransitionSpec,
  before: Task,
): Promise<ItemOutcome> {
  const id = before.id;
  let lastError: unknown;
  for (let attempt = 1; attempt <= MAX_POST_ATTEMPTS; attempt++) {
    try {
      const task = await spec.send(client, id);
      return { id, result: 'changed', task, error: null };
    } catch (error) {
      if (isAuthFailure(error)) throw error;
      lastError = error;
      const refused = error instanceof ApiError && (error.status === 409 || error.status === 422);
      const ambiguous = error instanceof NetworkError || (error instanceof ApiError && error.status >= 500);
      if (!refused && !ambiguous) return { id, result: 'failed', task: null, error: errorOf(error) };
      let current: Task;
      try {
        current = await getTask(client, id);
      } catch (readError) {
        if (isAuthFailure(readError)) throw readError;
        if (refused) return { id, result: 'failed', task: before, error: errorOf(error) };
        const e = errorOf(readError);
        return {
          id,
          result: 'failed',
          task: before,
          error: {
            ...e,
            message: `the change may or may not have landed; the task could not be read back: ${e.message}`,
          },
        };
      }
      // It was not in the target state before the call; now it is: the change landed.
      if (current.status === spec.target) return { id, result: 'changed', task: current, error: null };
      if (refused || !spec.from.includes(current.status as TaskStatus)) {
        return { id, result: 'failed', task: current, error: errorOf(error) };
      }
      // Still where it was: the call did not land, so sending it again cannot apply it twice.
    }
  }
  return { id, result: 'failed', task: before, error: errorOf(lastError) };
}
