import type { ApiClient } from '../api/client.js';
import { ApiError, NetworkError } from '../api/errors.js';
import { InterruptedError, PartialFailureError, TopoError } from '../errors.js';
import { getTask, reopenTask, skipTask } from '../api/tasks.js';
import type { Task, TaskStatus } from '../api/types.js';
import type { Context } from '../context.js';
import { makeChalk } from '../output/color.js';
import { plural } from '../domain/text.js';
import {
  failureText,
  outcomeLine,
  unchangedLine,
  printDryRun,
  printOutcomes,
  printPreview,
} from '../output/outcomes.js';
import { type ItemOutcome, type PreviewItem } from '../domain/outcome.js';
import { whoFrom } from '../domain/task.js';
import type { Signal } from '../terminal.js';
import {
  bulkExitCode,
  confirm,
  errorFromItem,
  errorOf,
  isAuthFailure,
  isRetryable,
  runPool,
  stoppingLine,
} from './bulk.js';

/**
 * A change to tasks, one by one: skip, reopen, or reassign to someone. Each has the same course (read, plan,
 * confirm, change with bounded concurrency, report), only what counts as done and what is sent differ.
 */
export interface TransitionSpec {
  verb: string;
  past: string;
  /** What the preview's target column holds: the new status, or the new assignee's UUID. */
  target: string;
  /** 'done' when the task is already as the change would leave it; 'refused' when its state forbids it. */
  state: (task: Task) => 'done' | 'possible' | 'refused';
  /** Why, in words, for the preview. */
  why: (task: Task, state: 'done' | 'possible' | 'refused') => string;
  send: (client: ApiClient, id: string) => Promise<Task>;
  /** Added to the line of a task that changed: ` to bob`. */
  detail?: string;
  /** A refusal that would be the same for every task (a 401/403 always is): stop at the first one. */
  stopsAll?: (error: unknown) => boolean;
}

/** Skipping: pending or in-progress tasks to skipped (the sequence moves on). */
export function skipChange(): TransitionSpec {
  return statusChange('skip', 'skipped', 'SKIPPED', ['PENDING', 'IN_PROGRESS'], skipTask);
}

/** Reopening: completed or skipped tasks back to pending. */
export function reopenChange(): TransitionSpec {
  return statusChange('reopen', 'reopened', 'PENDING', ['COMPLETED', 'SKIPPED'], reopenTask);
}

/** skip and reopen: a move from some statuses to another. */
export function statusChange(
  verb: 'skip' | 'reopen',
  past: string,
  target: TaskStatus,
  from: readonly TaskStatus[],
  send: (client: ApiClient, id: string) => Promise<Task>,
): TransitionSpec {
  const label = (t: Task) => String(t.status).toLowerCase().replace(/_/g, ' ');
  return {
    verb,
    past,
    target,
    state: (t) =>
      t.status === target ? 'done' : from.includes(t.status as TaskStatus) ? 'possible' : 'refused',
    why: (t, state) =>
      state === 'done'
        ? `already ${label(t)}`
        : state === 'possible'
          ? `would ${verb}`
          : // STATUS beside it says why: the reason stays short enough to keep the ID whole at 100 columns.
            `cannot be ${past}`,
    send,
  };
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
        const state = spec.state(task);
        const result = state === 'done' ? 'unchanged' : state === 'possible' ? 'would_change' : 'would_fail';
        return { id, result, task, error: null, target: spec.target, why: spec.why(task, state) };
      } catch (error) {
        if (isAuthFailure(error)) throw error;
        const e = errorOf(error);
        return { id, result: 'failed', task: null, error: e, target: spec.target, why: failureText(e) };
      }
    },
    shouldStop,
    client,
  );
  return items.filter((i): i is PreviewItem => i !== undefined);
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
    terminal.err(`\n${stoppingLine(s)}`);
  });
  try {
    const items = await plan(client, spec, ids, o.concurrency, () => signal !== undefined);
    if (signal) throw new InterruptedError('interrupted before any change: nothing was changed', signal);
    if (o.dryRun) {
      await printDryRun(output, items, who, output.chalk());
      unreadable(items);
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

/**
 * A dry run exits as the run would for what is already known: IDs that cannot be read (not found, refused)
 * are a failure, with the code a run would give (3 when every one is not found, 6 when some are).
 */
function unreadable(items: readonly PreviewItem[]): void {
  const failed = items.filter((i) => i.result === 'failed');
  if (failed.length === 0) return;
  const outcomes = items.map(
    (i) =>
      ({
        id: i.id,
        result: i.result === 'failed' ? 'failed' : 'changed',
        task: null,
        error: i.error,
      }) as ItemOutcome,
  );
  const code = bulkExitCode(outcomes);
  const message = `${failed.length} of ${plural(items.length, 'task')} could not be read; nothing was changed`;
  if (code === 6) throw new PartialFailureError(message);
  const kinds = new Set(failed.map((f) => `${f.error?.status}/${f.error?.type}`));
  if (kinds.size === 1) throw errorFromItem({ ...failed[0]!.error!, request_id: null }, message);
  throw new TopoError(message, code);
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
    // A single task that failed is told by the error line alone.
    const failed = outcome.result === 'failed';
    if ((terminal.stderrIsTTY && (several || !failed)) || (failed && several))
      terminal.err(
        outcome.result === 'unchanged' && outcome.task
          ? unchangedLine(outcome.task, spec.why(outcome.task, 'done'), c)
          : outcomeLine(outcome, spec.past, c, outcome.result === 'changed' ? (spec.detail ?? '') : ''),
      );
  };
  for (const item of items) {
    if (item.result === 'unchanged')
      report({ id: item.id, result: 'unchanged', task: item.task, error: null });
    if (item.result === 'failed') report({ id: item.id, result: 'failed', task: null, error: item.error });
  }
  const toSend = items.filter((i) => !results.has(i.id));
  const stops = (error: unknown) => isAuthFailure(error) || Boolean(spec.stopsAll?.(error));
  const send = async (item: PreviewItem) => {
    try {
      const outcome = await applyTransition(client, spec, item.task!);
      report(outcome);
      if (outcome.result === 'failed' && outcome.error && spec.stopsAll?.(errorFromItem(outcome.error)))
        stopError ??= errorFromItem(outcome.error);
    } catch (error) {
      if (!stops(error)) throw error;
      stopError ??= error;
    }
  };
  const shouldStop = () => stopError !== undefined || interrupted() !== undefined;
  // The first change goes alone: a refusal that would hit every task (a key without the scope, a user
  // outside the workspace) costs one call, not one per worker.
  await runPool(toSend.slice(0, 1), 1, send, shouldStop);
  await runPool(toSend.slice(1), o.concurrency, send, shouldStop, client);
  const ordered = items.map((i) => results.get(i.id)).filter((r): r is ItemOutcome => r !== undefined);
  await printOutcomes(output, ordered);
  const n = (r: string) => ordered.filter((x) => x.result === r).length;
  const left = items.length - ordered.length;
  if (several) {
    terminal.err(
      `${n('changed')} ${spec.past}, ${n('unchanged')} unchanged, ${n('failed')} failed${left ? `, ${left} not attempted` : ''}.`,
    );
  }
  if (stopError) {
    const e = stopError as ApiError;
    const rest = !several
      ? '; nothing was changed'
      : left > 0
        ? `; stopped with ${plural(left, 'task')} not attempted`
        : '';
    throw new ApiError(`${e.message}${rest}`, e.status, e.type, e.requestId, e.body);
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
      // It was not done before the call; now it is: the change landed.
      const state = spec.state(current);
      if (state === 'done') return { id, result: 'changed', task: current, error: null };
      if (refused || state === 'refused') {
        return { id, result: 'failed', task: current, error: errorOf(error) };
      }
      // Still where it was: the call did not land, so sending it again cannot apply it twice.
    }
  }
  return { id, result: 'failed', task: before, error: errorOf(lastError) };
}
