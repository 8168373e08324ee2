import type { ApiClient } from '../api/client.js';
import { AuthError, CancelledError, PartialFailureError, UsageError } from '../api/errors.js';
import { getTask, reassignTask } from '../api/tasks.js';
import { OPEN_STATUSES, type Task, type TaskQuery } from '../api/types.js';
import { walkTasks } from '../api/walk.js';
import type { Context } from '../context.js';
import { enumLabel, plural, safeText } from '../output/format.js';
import { whoFrom } from '../output/tasks.js';
import { errorOf, isAuthFailure, runPool } from './bulk.js';
import { Journal, type JournalRecord } from './journal.js';
import { collectOpenTasks, openListingCost } from './listing.js';
import { planMoves, type Move, type PlannedCall, type ReassignPlan } from './plan.js';

/** Moving every open task of a departing rep, and undoing such a move from its journal. */

export interface OffboardOptions {
  from: string;
  to: string;
  types?: string[];
  priorities?: string[];
  dryRun: boolean;
  yes: boolean;
  concurrency: number;
}

export interface UndoOptions {
  journal: string;
  dryRun: boolean;
  yes: boolean;
  concurrency: number;
}

export interface CallOutcome extends PlannedCall {
  result: 'moved' | 'failed' | 'not_started';
  error: ReturnType<typeof errorOf> | null;
}

/**
 * The open tasks of each run, whoever holds them: by walking every open task of the workspace or by listing
 * each run, whichever takes fewer requests.
 */
async function openTasksByRun(
  ctx: Context,
  client: ApiClient,
  runIds: string[],
  concurrency: number,
): Promise<Map<string, Task[]>> {
  const byRun = new Map<string, Task[]>(runIds.map((id) => [id, []]));
  if (runIds.length === 0) return byRun;
  if ((await openListingCost(client, {})) <= runIds.length) {
    for (const t of await collectOpenTasks(client, {}, concurrency)) byRun.get(t.sequence_id)?.push(t);
    return byRun;
  }
  await runPool(runIds, concurrency, async (runId) => {
    for await (const t of walkTasks(client, { sequenceId: runId, sortBy: 'created_at', sortOrder: 'asc' })) {
      if ((OPEN_STATUSES as readonly string[]).includes(t.status)) byRun.get(runId)!.push(t);
    }
  });
  return byRun;
}

async function describePlan(ctx: Context, plan: ReassignPlan, title: string): Promise<string> {
  const counts = (rec: Record<string, number>, label: (k: string) => string) =>
    Object.entries(rec)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${label(k)} ${n}`)
      .join(', ');
  const sequenceCalls = plan.calls.filter((c) => c.scope === 'SEQUENCE').length;
  const single = plan.runs - sequenceCalls - plan.task_by_task.length;
  const lines = [
    title,
    `  by type:       ${counts(plan.by_type, enumLabel) || '—'}`,
    `  by priority:   ${counts(plan.by_priority, (k) => k) || '—'}`,
    `  sequence runs: ${plan.runs.toLocaleString('en-US')} (${sequenceCalls.toLocaleString('en-US')} moved whole in one call, ${single.toLocaleString('en-US')} with a single task, ${plan.task_by_task.length.toLocaleString('en-US')} task by task)`,
    `  API calls:     ${plan.calls.length.toLocaleString('en-US')}`,
  ];
  if (plan.task_by_task.length > 0) {
    lines.push('  runs handled task by task, so nobody else’s work moves:');
    const shown = ctx.terminal.stderrIsTTY ? plan.task_by_task.slice(0, 20) : plan.task_by_task;
    for (const run of shown)
      lines.push(`    ${run.sequence_id}  ${plural(run.task_ids.length, 'task')}: ${run.reason}`);
    if (shown.length < plan.task_by_task.length)
      lines.push(`    … and ${plan.task_by_task.length - shown.length} more (see --dry-run --json)`);
  }
  return `${lines.join('\n')}\n`;
}

async function confirmCount(ctx: Context, yes: boolean, count: number, what: string): Promise<void> {
  if (yes) return;
  const answer = await (await ctx.terminal.prompter()).input(`${what} Type ${count} to confirm:`);
  if (answer.trim().replace(/,/g, '') !== String(count)) {
    throw new CancelledError('cancelled: the number did not match; nothing was changed');
  }
}

interface Progress {
  update(moved: number, calls: number, failed: number): void;
  stop(): void;
}

async function startProgress(ctx: Context, totalTasks: number, totalCalls: number): Promise<Progress> {
  const started = ctx.now();
  const rate = (calls: number) => (calls / Math.max(0.001, (ctx.now() - started) / 1000)).toFixed(1);
  if (ctx.terminal.showProgress) {
    const { SingleBar, Presets } = await import('cli-progress');
    const bar = new SingleBar(
      {
        stream: ctx.terminal.io.stderr as NodeJS.WriteStream,
        format:
          'Moving |{bar}| {value}/{total} tasks | calls {calls}/{callsTotal} | failed {failed} | {rate} calls/s',
        hideCursor: true,
        clearOnComplete: false,
      },
      Presets.shades_classic,
    );
    bar.start(totalTasks, 0, { calls: 0, callsTotal: totalCalls, failed: 0, rate: '0.0' });
    return {
      update: (moved, calls, failed) => bar.update(moved, { calls, failed, rate: rate(calls) }),
      stop: () => bar.stop(),
    };
  }
  let nextReport = 1;
  return {
    update: (moved, calls, failed) => {
      const tenth = Math.floor((calls / totalCalls) * 10);
      if (tenth < nextReport) return;
      nextReport = tenth + 1;
      ctx.terminal.err(
        `Progress: ${moved}/${totalTasks} tasks moved, ${calls}/${totalCalls} calls, ${failed} failed (${rate(calls)} calls/s)`,
      );
    },
    stop: () => undefined,
  };
}

interface ExecutionResult {
  outcomes: CallOutcome[];
  interrupted: boolean;
  authError: unknown;
}

/** Runs the planned calls with bounded concurrency, journaling each, until done, Ctrl-C, or a 401/403. */
async function executePlan(
  ctx: Context,
  client: ApiClient,
  plan: ReassignPlan,
  journal: Journal,
  concurrency: number,
): Promise<ExecutionResult> {
  const outcomes: CallOutcome[] = plan.calls.map((c) => ({ ...c, result: 'not_started', error: null }));
  let interrupted = false;
  let authError: unknown;
  const dispose = ctx.terminal.onInterrupt(() => {
    interrupted = true;
    ctx.terminal.err('\nStopping: letting the calls in flight finish (Ctrl-C again to quit at once)…');
  });
  const progress = await startProgress(ctx, plan.tasks, plan.calls.length);
  let moved = 0;
  let done = 0;
  let failed = 0;
  try {
    await runPool(
      outcomes,
      concurrency,
      async (call) => {
        const time = () => new Date(ctx.now()).toISOString().replace(/\.\d+Z$/, 'Z');
        const record = (result: JournalRecord['result']): JournalRecord[] =>
          call.task_ids.map((taskId) => ({
            task_id: taskId,
            sequence_id: call.sequence_id,
            from: call.from,
            to: call.to,
            scope: call.scope,
            time: time(),
            result,
            ...(call.error && { error: call.error.message }),
            ...(call.error?.request_id && { request_id: call.error.request_id }),
          }));
        journal.append(record('started'));
        try {
          await reassignTask(client, call.task_id, call.to, call.scope);
          call.result = 'moved';
          moved += call.task_ids.length;
        } catch (error) {
          if (isAuthFailure(error)) {
            authError ??= error;
            call.error = errorOf(error);
            journal.append(record('failed'));
            call.error = null;
            return;
          }
          call.result = 'failed';
          call.error = errorOf(error);
          failed++;
        }
        done++;
        journal.append(record(call.result === 'moved' ? 'moved' : 'failed'));
        progress.update(moved, done, failed);
      },
      () => interrupted || authError !== undefined,
    );
  } finally {
    progress.stop();
    dispose();
  }
  return { outcomes, interrupted, authError };
}

interface JobReport {
  kind: 'reassign' | 'undo';
  from: string | null;
  to: string | null;
  journal: string | null;
  plan: ReassignPlan;
  calls: CallOutcome[];
  moved: number;
  failed: number;
  not_started: number;
  remaining: string[];
  skipped?: { task_id: string; reason: string }[];
  interrupted: boolean;
  dry_run: boolean;
}

async function finish(
  ctx: Context,
  report: JobReport,
  json: boolean,
  result?: ExecutionResult,
): Promise<void> {
  if (json) await ctx.output.json(report);
  if (report.dry_run) return;
  for (const call of report.calls.filter((c) => c.result === 'failed')) {
    const e = call.error!;
    ctx.terminal.err(
      `✗ ${call.scope} call for ${call.task_id}: ${safeText(e.message)}${e.request_id ? ` (request ${e.request_id})` : ''}`,
    );
  }
  const leftCalls = report.calls.filter((c) => c.result === 'not_started');
  const leftTasks = leftCalls.reduce((n, c) => n + c.task_ids.length, 0);
  ctx.terminal.err(
    `Done: ${plural(report.moved, 'task')} moved, ${plural(report.failed, 'call')} failed${leftCalls.length ? `, ${plural(leftTasks, 'task')} not started` : ''}.`,
  );
  if (report.remaining.length > 0) {
    ctx.terminal.err(
      `${plural(report.remaining.length, 'open task')} still to move (failed, or created meanwhile).`,
    );
  }
  if (report.journal) ctx.terminal.err(`Journal: ${report.journal}`);
  if (result?.authError) {
    const e = result.authError as Error;
    throw new AuthError(
      `${e.message}; stopped with ${plural(leftTasks, 'task')} not started. Fix the key and run the same command again`,
    );
  }
  if (result?.interrupted) {
    throw new CancelledError(
      `interrupted: ${plural(report.moved, 'task')} moved, ${plural(leftTasks, 'task')} left; run the same command again to finish`,
    );
  }
  if (report.failed > 0 || report.remaining.length > 0) {
    throw new PartialFailureError(
      `${plural(report.remaining.length, 'open task')} left to move; run the same command again to retry them`,
    );
  }
}

export async function runOffboard(ctx: Context, o: OffboardOptions): Promise<void> {
  if (o.from === o.to) throw new UsageError('--from and --to are the same user');
  const client = await ctx.session.api();
  const who = whoFrom(await ctx.people.names());
  const filters: Omit<TaskQuery, 'status'> = {
    assigneeUserId: o.from,
    ...(o.types && { types: o.types }),
    ...(o.priorities && { priorities: o.priorities }),
  };
  const tasks = await collectOpenTasks(client, filters, o.concurrency);
  const runs = await openTasksByRun(
    ctx,
    client,
    [...new Set(tasks.map((t) => t.sequence_id))],
    o.concurrency,
  );
  const plan = planMoves(
    tasks.map((task): Move => ({ task, to: o.to })),
    (id) => runs.get(id) ?? [],
    who,
  );
  const title = `Plan: move ${plan.tasks.toLocaleString('en-US')} open task${plan.tasks === 1 ? '' : 's'} from ${who(o.from)} to ${who(o.to)}`;
  const text = await describePlan(ctx, plan, title);
  await runJob(ctx, client, o, {
    base: { kind: 'reassign', from: o.from, to: o.to, plan, remaining: tasks.map((t) => t.id) },
    text,
    nothingToDo: `${who(o.from)} holds no open tasks${o.types || o.priorities ? ' matching the filters' : ''}: nothing to do.`,
    question: `Move ${plan.tasks} tasks from ${who(o.from)} to ${who(o.to)}?`,
    // Verify: what --from still holds (failures, or tasks created meanwhile).
    remaining: async () => (await collectOpenTasks(client, filters, o.concurrency)).map((t) => t.id),
  });
}

interface JobSpec {
  base: Pick<JobReport, 'kind' | 'from' | 'to' | 'plan' | 'remaining' | 'skipped'>;
  text: string;
  nothingToDo: string;
  question: string;
  remaining: () => Promise<string[]>;
}

/** The common course of a bulk move: nothing to do, or dry run, or confirm → journal → execute → verify. */
async function runJob(
  ctx: Context,
  client: ApiClient,
  o: { dryRun: boolean; yes: boolean; concurrency: number },
  spec: JobSpec,
): Promise<void> {
  const base: JobReport = {
    journal: null,
    calls: [],
    moved: 0,
    failed: 0,
    not_started: 0,
    interrupted: false,
    dry_run: o.dryRun,
    ...spec.base,
  };
  const { plan } = base;
  if (plan.tasks === 0) {
    ctx.terminal.err(spec.nothingToDo);
    if (ctx.output.format === 'json') await finish(ctx, { ...base, dry_run: true }, true);
    return;
  }
  if (o.dryRun) {
    if (ctx.output.format === 'json') await finish(ctx, base, true);
    else await ctx.terminal.out(spec.text);
    ctx.terminal.err('Dry run: nothing was changed.');
    return;
  }
  ctx.terminal.err(spec.text.trimEnd());
  await confirmCount(ctx, o.yes, plan.tasks, spec.question);
  const { stateDir } = await import('../config/paths.js');
  const journal = Journal.create(stateDir(ctx.session.env), base.kind, new Date(ctx.now()));
  ctx.terminal.err(`Journal: ${journal.path}`);
  const result = await executePlan(ctx, client, plan, journal, o.concurrency);
  const remaining = result.authError ? base.remaining : await spec.remaining();
  await finish(ctx, summarize(base, result, journal, remaining), ctx.output.format === 'json', result);
}

function summarize(
  base: JobReport,
  result: ExecutionResult,
  journal: Journal,
  remaining: string[],
): JobReport {
  const calls = result.outcomes;
  return {
    ...base,
    journal: journal.path,
    calls,
    moved: calls.filter((c) => c.result === 'moved').reduce((n, c) => n + c.task_ids.length, 0),
    failed: calls.filter((c) => c.result === 'failed').length,
    not_started: calls.filter((c) => c.result === 'not_started').length,
    remaining,
    interrupted: result.interrupted,
  };
}

export async function runUndo(ctx: Context, o: UndoOptions): Promise<void> {
  const records = Journal.read(o.journal);
  const moved = new Map<string, JournalRecord>();
  // A 'started' record without an outcome (a run killed mid-call) counts too: the current state decides.
  for (const r of records) if (r.result !== 'failed' && !moved.has(r.task_id)) moved.set(r.task_id, r);
  const client = await ctx.session.api();
  const who = whoFrom(await ctx.people.names());
  // What each recorded task looks like now: by listing the open tasks of whoever got them, or one by one.
  const current = new Map<string, Task>();
  for (const to of new Set([...moved.values()].map((r) => r.to))) {
    const ids = [...moved.values()].filter((r) => r.to === to).map((r) => r.task_id);
    let toRead = ids;
    if ((await openListingCost(client, { assigneeUserId: to })) <= ids.length) {
      const wanted = new Set(ids);
      for (const t of await collectOpenTasks(client, { assigneeUserId: to }, o.concurrency))
        if (wanted.has(t.id)) current.set(t.id, t);
      // The few that left the user's queue are read one by one, to say why.
      toRead = ids.filter((id) => !current.has(id));
    }
    await runPool(toRead, o.concurrency, async (id) => {
      try {
        current.set(id, await getTask(client, id));
      } catch (error) {
        if (isAuthFailure(error)) throw error;
      }
    });
  }
  const moves: Move[] = [];
  const skipped: { task_id: string; reason: string }[] = [];
  for (const r of moved.values()) {
    const t = current.get(r.task_id);
    if (!t || !(OPEN_STATUSES as readonly string[]).includes(t.status))
      skipped.push({ task_id: r.task_id, reason: 'no longer open' });
    else if (t.assignee_user_id !== r.to)
      skipped.push({ task_id: r.task_id, reason: `now assigned to ${who(t.assignee_user_id)}` });
    else if (!r.from)
      skipped.push({ task_id: r.task_id, reason: 'was unassigned before; the API cannot unassign' });
    else moves.push({ task: t, to: r.from });
  }
  const runs = await openTasksByRun(
    ctx,
    client,
    [...new Set(moves.map((m) => m.task.sequence_id))],
    o.concurrency,
  );
  const plan = planMoves(moves, (id) => runs.get(id) ?? [], who);
  const tos = [...new Set(moves.map((m) => who(m.to)))].join(', ');
  const title = `Undo plan: move ${plan.tasks.toLocaleString('en-US')} task${plan.tasks === 1 ? '' : 's'} back to ${tos || 'their previous assignees'}${skipped.length ? ` (${skipped.length} left alone: changed since)` : ''}`;
  const text = await describePlan(ctx, plan, title);
  await runJob(ctx, client, o, {
    base: { kind: 'undo', from: null, to: null, plan, remaining: moves.map((m) => m.task.id), skipped },
    text,
    nothingToDo: `Nothing to undo: ${skipped.length} recorded task${skipped.length === 1 ? '' : 's'} changed since.`,
    question: `Move ${plan.tasks} tasks back?`,
    // Verify: which of the tasks to move back are still with the user they were moved to.
    remaining: async () => {
      const stillThere: string[] = [];
      await runPool(moves, o.concurrency, async (m) => {
        const t = await getTask(client, m.task.id).catch(() => undefined);
        if (t && t.assignee_user_id !== m.to && (OPEN_STATUSES as readonly string[]).includes(t.status)) {
          stillThere.push(t.id);
        }
      });
      return stillThere;
    },
  });
}
