import type { Command } from 'commander';
import { action, type App } from '../../app.js';
import { ApiError, NetworkError, TopoError } from '../../api/errors.js';
import type { ApiClient } from '../../api/client.js';
import type { Task, TaskStatus } from '../../api/types.js';
import type { Context } from '../../context.js';
import { FLAG_GROUPS, addOutputFlags, helpDetails } from '../../help.js';
import { safeText } from '../../output/format.js';
import { parsePositiveInt } from '../parse.js';
import {
  bulkExitCode,
  confirm,
  errorOf,
  isAuthFailure,
  printItemOutcomes,
  readTaskIds,
  requireConfirmable,
  runPool,
  type ItemOutcome,
} from './bulk.js';

/** skip and reopen: the same shape of command, a different transition. */
export interface TransitionSpec {
  verb: 'skip' | 'reopen';
  past: string;
  target: TaskStatus;
  from: readonly TaskStatus[];
  send: (client: ApiClient, id: string) => Promise<Task>;
}

interface TransitionFlags {
  yes?: boolean;
  dryRun?: boolean;
  concurrency: string;
  json?: boolean;
}

const MAX_POST_ATTEMPTS = 3;

export function registerTransition(
  tasks: Command,
  app: App,
  spec: () => Promise<TransitionSpec>,
  meta: { verb: string; summary: string; description: string; examples: string[] },
): void {
  const cmd = tasks
    .command(`${meta.verb} <ids...>`)
    .summary(meta.summary)
    .description(meta.description)
    .optionsGroup(FLAG_GROUPS.safety)
    .option('-y, --yes', 'do not ask for confirmation when changing several tasks')
    .option('--dry-run', 'show what would change and why, change nothing')
    .option('--concurrency <n>', 'tasks changed at once', '4');
  addOutputFlags(cmd, false);
  helpDetails(cmd, {
    examples: meta.examples,
    notes: `Results:
  changed    the task moved to the new state
  unchanged  it was already there (not an error)
  failed     the API refused or could not be reached; the reason and request id are shown

Output:
  On a terminal, a line per task on stderr; piped, the IDs that changed, one per line;
  --json, an array of {id, result, task, error}.`,
    jsonFields: ['id', 'result', 'task', 'error'],
  });
  cmd.action(
    action(app, async (ctx, args: string[], flags: TransitionFlags) => {
      const ids = await readTaskIds(ctx, args);
      const concurrency = parsePositiveInt(flags.concurrency, '--concurrency', 16);
      if (ids.length > 1) requireConfirmable(ctx, flags, `${meta.verb} of ${ids.length} tasks`);
      await runTransition(ctx, await spec(), ids, { ...flags, concurrency });
    }),
  );
}

export async function runTransition(
  ctx: Context,
  spec: TransitionSpec,
  ids: string[],
  opts: { yes?: boolean; dryRun?: boolean; concurrency: number; json?: boolean },
): Promise<void> {
  const client = await ctx.api();
  const { getTask } = await import('../../api/tasks.js');
  const { shortId, enumLabel, safeText } = await import('../../output/format.js');
  const { taskLabel } = await import('../../output/tasks.js');
  const describeTask = (t: Task | null, id: string) => (t ? taskLabel(t) : shortId(id));

  if (opts.dryRun) {
    const plans = await runPool(ids, opts.concurrency, async (id) => {
      try {
        const task = await getTask(client, id);
        const result =
          task.status === spec.target
            ? 'unchanged'
            : spec.from.includes(task.status as TaskStatus)
              ? 'would_change'
              : 'would_fail';
        return { id, result, task, error: null };
      } catch (error) {
        if (isAuthFailure(error)) throw error;
        return { id, result: 'failed', task: null, error: errorOf(error) };
      }
    });
    if (opts.json) {
      const { printJson } = await import('../../output/json.js');
      await printJson(ctx, plans);
      return;
    }
    const lines = plans.map((p) => {
      const status = p!.task ? safeText(p!.task.status) : '';
      const why =
        p!.result === 'would_change'
          ? `would ${spec.verb} (now ${status})`
          : p!.result === 'unchanged'
            ? `unchanged (already ${status})`
            : p!.result === 'would_fail'
              ? `would fail: ${status} tasks cannot be ${spec.past}`
              : `failed: ${safeText(p!.error?.message)}`;
      return ctx.io.stdoutIsTTY
        ? `${describeTask(p!.task, p!.id)}  ${why}`
        : `${p!.id}\t${p!.result}\t${status}`;
    });
    await ctx.out(`${lines.join('\n')}\n`);
    ctx.err(`Dry run: nothing was changed.`);
    return;
  }

  if (ids.length > 1) await confirm(ctx, opts, `${capitalize(spec.verb)} ${ids.length} tasks?`);

  let stopError: unknown;
  const outcomes: ItemOutcome[] = [];
  const tty = ctx.io.stderrIsTTY;
  const { makeChalk } = await import('../../output/color.js');
  const c = makeChalk(ctx.stderrColor);
  await runPool(
    ids,
    opts.concurrency,
    async (id) => {
      try {
        const outcome = await applyTransition(client, spec, id, getTask);
        outcomes.push(outcome);
        if (outcome.result === 'changed' && tty)
          ctx.err(`${c.green('✓')} ${spec.past} ${describeTask(outcome.task, id)}`);
        if (outcome.result === 'unchanged' && tty) {
          ctx.err(
            `${c.dim('•')} ${describeTask(outcome.task, id)} already ${enumLabel(outcome.task?.status)}`,
          );
        }
        if (outcome.result === 'failed' && ids.length > 1) {
          ctx.err(`${c.red('✗')} ${describeTask(outcome.task, id)} ${failureText(outcome)}`);
        }
      } catch (error) {
        if (isAuthFailure(error)) {
          stopError ??= error;
          return;
        }
        throw error;
      }
    },
    () => stopError !== undefined,
  );
  const ordered = ids
    .map((id) => outcomes.find((o) => o.id === id))
    .filter((o): o is ItemOutcome => Boolean(o));
  await printItemOutcomes(ctx, Boolean(opts.json), ordered);
  const count = (r: string) => ordered.filter((o) => o.result === r).length;
  if (ids.length > 1 || stopError) {
    const notTried = ids.length - ordered.length;
    ctx.err(
      `${count('changed')} ${spec.past}, ${count('unchanged')} unchanged, ${count('failed')} failed${notTried ? `, ${notTried} not attempted` : ''}.`,
    );
  }
  if (stopError) throw stopError;
  const code = bulkExitCode(ordered);
  if (code !== 0) {
    throw new TopoError(
      ids.length === 1
        ? `task ${ids[0]} was not ${spec.past}: ${failureText(ordered[0]!)}`
        : `${count('failed')} of ${ids.length} tasks failed; re-run the same command to retry them`,
      code,
    );
  }
}

function failureText(o: ItemOutcome): string {
  const e = o.error;
  if (!e) return 'failed';
  const details = [e.type, e.request_id && `request ${e.request_id}`].filter(Boolean).join(', ');
  return safeText(`${e.message}${details ? ` (${details})` : ''}`);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * One task, never applied twice: the POST has no idempotency key, so after an answer that may hide a change
 * (dropped connection, timeout, 5xx) the task is read back before deciding whether to send it again.
 */
export async function applyTransition(
  client: ApiClient,
  spec: TransitionSpec,
  id: string,
  getTask: (client: ApiClient, id: string) => Promise<Task>,
): Promise<ItemOutcome> {
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
        return { id, result: 'failed', task: null, error: errorOf(ambiguous ? readError : error) };
      }
      if (current.status === spec.target)
        return { id, result: refused ? 'unchanged' : 'changed', task: current, error: null };
      if (refused || !spec.from.includes(current.status as TaskStatus)) {
        return { id, result: 'failed', task: current, error: errorOf(error) };
      }
      // It did not land: the task is still where it was, so sending again cannot apply it twice.
    }
  }
  return { id, result: 'failed', task: null, error: errorOf(lastError) };
}
