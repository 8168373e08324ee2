import type { ApiClient } from '../api/client.js';
import { ApiError, NetworkError } from '../api/errors.js';
import { EXIT, InterruptedError, PartialFailureError, TopoError, type Signal } from '../errors.js';
import { getTask, reopenTask, skipTask } from '../api/tasks.js';
import type { Task, TaskStatus } from '../api/types.js';
import { plural } from '../basics/text.js';
import { type ItemOutcome, type PreviewItem } from '../domain/outcome.js';
import {
  bulkExitCode,
  bulkFailure,
  errorFromItem,
  errorOf,
  isAuthFailure,
  isRetryable,
  runPool,
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

const MAX_POST_ATTEMPTS = 3;

/** What each task is now, and what the change would do to it (failed: it could not be read). */
export async function previewTransition(
  client: ApiClient,
  spec: TransitionSpec,
  ids: readonly string[],
  o: { concurrency: number; shouldStop: () => boolean },
): Promise<PreviewItem[]> {
  const items = await runPool(
    ids,
    o.concurrency,
    async (id): Promise<PreviewItem> => {
      try {
        const task = await getTask(client, id);
        const state = spec.state(task);
        const result = state === 'done' ? 'unchanged' : state === 'possible' ? 'would_change' : 'would_fail';
        const why = spec.why(task, state);
        // What would fail says why, as a failure of a run does (no request was refused: no status, no id).
        const error =
          result === 'would_fail'
            ? { status: null, type: null, message: `the task is ${task.status} and ${why}`, request_id: null }
            : null;
        return { id, result, task, error, target: spec.target, why };
      } catch (error) {
        if (isAuthFailure(error)) throw error;
        return { id, result: 'failed', task: null, error: errorOf(error), target: spec.target, why: '' };
      }
    },
    o.shouldStop,
    client,
  );
  return items.filter((i): i is PreviewItem => i !== undefined);
}

/**
 * A dry run exits as the run would for what is already known: IDs that cannot be read (not found, refused) and
 * tasks whose state forbids the change are failures, with the code a run would give — 3 when every one is not
 * found, 5 when the state forbids it for every one, 6 when some would change (or are unchanged) and some not.
 */
export function dryRunFailure(items: readonly PreviewItem[]): Error | undefined {
  const unreadable = items.filter((i) => i.result === 'failed');
  const forbidden = items.filter((i) => i.result === 'would_fail');
  if (unreadable.length + forbidden.length === 0) return undefined;
  const said = [
    [unreadable.length, 'could not be read'] as const,
    [forbidden.length, 'would fail (the state forbids it)'] as const,
  ].filter(([n]) => n > 0);
  const message = `${said
    .map(([n, what], i) => (i === 0 ? `${n} of ${plural(items.length, 'task')} ${what}` : `${n} ${what}`))
    .join(', ')}; nothing was changed`;
  // What a run would end with: the API refuses a change the state forbids with a 409 or a 422 (exit 5).
  const outcomes: ItemOutcome[] = items.map((i) => ({
    id: i.id,
    result: i.result === 'failed' || i.result === 'would_fail' ? 'failed' : 'changed',
    task: null,
    error: i.result === 'would_fail' ? REFUSED : i.error,
  }));
  if (forbidden.length === 0) return bulkFailure(outcomes, message);
  const code = bulkExitCode(outcomes);
  return code === EXIT.partial ? new PartialFailureError(message) : new TopoError(message, code);
}

/** The refusal a run would meet for a change the state forbids (only its status is read: the exit code). */
const REFUSED = { status: 422, type: null, message: '', request_id: null };

export interface Applied {
  /** Each task's outcome, in the order given; a task a stop came before is `not_attempted`. */
  outcomes: ItemOutcome[];
  /** A refusal that stopped the change (it would hit every task). */
  stopError: unknown;
}

/**
 * Changes the tasks with bounded concurrency, each told through `onOutcome` as it ends (what the preview found
 * unchanged or unreadable first). The first change goes alone: a refusal that would hit every task (a key
 * without the scope, a user outside the workspace) costs one call, not one per worker.
 */
export async function applyTransitions(
  client: ApiClient,
  spec: TransitionSpec,
  items: readonly PreviewItem[],
  o: { concurrency: number; shouldStop: () => boolean; onOutcome: (outcome: ItemOutcome) => void },
): Promise<Applied> {
  const results = new Map<string, ItemOutcome>();
  let stopError: unknown;
  const report = (outcome: ItemOutcome) => {
    results.set(outcome.id, outcome);
    o.onOutcome(outcome);
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
      // The call was made and refused: the task failed with that error, whatever stops after it.
      report({ id: item.id, result: 'failed', task: item.task, error: errorOf(error) });
      stopError ??= error;
    }
  };
  const shouldStop = () => stopError !== undefined || o.shouldStop();
  await runPool(toSend.slice(0, 1), 1, send, shouldStop);
  await runPool(toSend.slice(1), o.concurrency, send, shouldStop, client);
  const outcomes = items.map(
    (i): ItemOutcome => results.get(i.id) ?? { id: i.id, result: 'not_attempted', task: i.task, error: null },
  );
  return { outcomes, stopError };
}

/** The error a change ends with, once its results are said: a refusal, an interruption, or failures. */
export function transitionFailure(
  spec: TransitionSpec,
  items: readonly PreviewItem[],
  applied: Applied,
  signal: Signal | undefined,
): Error | undefined {
  const { stopError } = applied;
  const outcomes = applied.outcomes.filter((x) => x.result !== 'not_attempted');
  const several = items.length > 1;
  const left = items.length - outcomes.length;
  if (stopError) {
    const e = stopError as ApiError;
    const rest = !several
      ? '; nothing was changed'
      : left > 0
        ? `; stopped with ${plural(left, 'task')} not attempted`
        : '';
    return new ApiError(`${e.message}${rest}`, e.status, e.type, e.requestId, e.body);
  }
  if (signal && left > 0) {
    const changed = outcomes.filter((x) => x.result === 'changed').length;
    return new InterruptedError(
      `interrupted: ${changed} ${spec.past}, ${plural(left, 'task')} left; run the same command again to finish`,
      signal,
    );
  }
  const failed = outcomes.filter((x) => x.result === 'failed');
  if (failed.length === 0) return undefined;
  if (!several) {
    const only = failed[0]!;
    return errorFromItem(only.error!, `task ${only.id} was not ${spec.past}: ${only.error!.message}`);
  }
  const retry = failed.some((f) => f.error && isRetryable(f.error))
    ? '; run the same command again to retry them'
    : '';
  return bulkFailure(outcomes, `${failed.length} of ${plural(outcomes.length, 'task')} failed${retry}`);
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
