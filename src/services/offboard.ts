import { isoSeconds } from '../domain/time.js';
import type { ApiClient } from '../api/client.js';
import { ApiError, NetworkError } from '../api/errors.js';
import { AuthError, InterruptedError, PartialFailureError, TopoError, EXIT } from '../errors.js';
import { getMe, getTask, reassignTask } from '../api/tasks.js';
import type { Task, TaskQuery } from '../api/types.js';
import { walkTasks } from '../api/walk.js';
import { SCOPES } from '../api/wire.js';
import type { Context } from '../context.js';
import { describeError } from '../output/errors.js';
import { plural } from '../domain/text.js';
import {
  blockedLines,
  describePlan,
  printMovePreview,
  startProgress,
  summaryLines,
} from '../output/offboard.js';
import { type MoveReport, type TaskLine } from '../domain/job.js';
import { type PlannedCall, type RunMove } from '../domain/plan.js';
import { whoFrom, type Who } from '../domain/task.js';
import type { Signal } from '../terminal.js';
import { errorOf, isAuthFailure, runPool, stoppingLine } from './bulk.js';
import { currentWorkspace, describeWorkspace, inWorkspace, Job } from './jobs.js';
import { type JobSpec, type MoveRecord, type Phase } from '../domain/job.js';
import { collectOpenTasks, openListingCost } from './listing.js';
import { isOpen } from '../domain/task.js';
import { currentTasks, jobSoFar } from './job-state.js';
import { callsForRun, planOffboard, type Successor } from '../domain/plan.js';

/**
 * Offboarding: every open task of a leaver to one or several successors, by sequence run, planned,
 * checked before it starts, confirmed, journaled as one job, verified afterwards; and undoing or returning
 * such a job.
 */

export interface OffboardOptions {
  from: string;
  successors: Successor[];
  cap: number | undefined;
  /** The subset to move (types, priorities, templates, creation bounds), as for `tasks list`. */
  filters: Omit<TaskQuery, 'status' | 'assigneeUserId'>;
  until: string | undefined;
  report: string | undefined;
  dryRun: boolean;
  yes: boolean;
  concurrency: number;
}

/** How one task fared, for the report. */
interface TaskFate {
  task: Task;
  to: string | null;
  from: string | null;
  result: TaskLine['result'];
  reason: string | null;
}

export async function runOffboard(ctx: Context, o: OffboardOptions): Promise<void> {
  const { terminal } = ctx;
  // The cost is counted from here, as the requests are: the listing's requests count toward the floor too.
  const began = ctx.now();
  const client = await ctx.session.api();
  const who = whoFrom(await ctx.people.names());
  const query = { assigneeUserId: o.from, ...o.filters };
  const { stateDir } = await import('../config/paths.js');
  const spec: JobSpec = {
    ...(await currentWorkspace(ctx.session)),
    from: o.from,
    to: o.successors.map((s) => ({ id: s.id, weight: s.weight })),
    cap: o.cap ?? null,
    filters: { ...o.filters },
    until: o.until ?? null,
  };
  // What earlier runs of this job did: read before the plan, which must keep the job's promises.
  const before = Job.existing(stateDir(ctx.session.env), spec);
  if (before && before.unreadable.length > 0) terminal.err(`note: ${before.unreadableNote()}`);
  // Reads only, side by side: the key's scopes (nothing is written without them), the leaver's open tasks,
  // what a walk of the workspace's open tasks would cost, and the calls an earlier run left unanswered.
  const [, tasks, workspaceCost, sofar] = await Promise.all([
    o.dryRun ? undefined : preflight(client),
    collectOpenTasks(client, query, o.concurrency),
    openListingCost(client, {}),
    jobSoFar(client, before, ctx.now, o.concurrency),
  ]);
  const runs = await openTasksByRun(
    client,
    [...new Set(tasks.map((t) => t.sequence_id))],
    workspaceCost,
    o.concurrency,
  );
  const plan = planOffboard(tasks, (id) => runs.get(id) ?? [], o.successors, o.cap, who, sofar);
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const fates = new Map<string, TaskFate>();
  for (const move of plan.moves)
    for (const id of move.task_ids)
      fates.set(id, {
        task: byId.get(id)!,
        from: o.from,
        to: move.to,
        result: move.to ? 'not_started' : 'kept',
        reason: move.to ? null : 'cap',
      });
  // What earlier runs moved (late answers found included): the report covers the whole job.
  const earlier = [...sofar.standing.values()].filter((r) => r.result === 'moved' && !fates.has(r.task_id));
  const title = `Plan: move ${plural(plan.tasks, 'open task')} from ${who(o.from)} to ${o.successors.map((s) => who(s.id)).join(', ')}`;
  const text = describePlan(plan, title, who, terminal.stderrIsTTY, sofar.given);
  if (sofar.reconciled.length > 0)
    terminal.err(
      `note: the API shows ${plural(sofar.reconciled.length, 'task')} moved whose call an earlier run of this job left without an answer: counted as moved.`,
    );
  if (plan.tasks === 0) {
    terminal.err(
      tasks.length === 0
        ? `${who(o.from)} holds no open tasks${Object.keys(o.filters).length ? ' matching the filters' : ''}: nothing to do.`
        : `Every task stays with ${who(o.from)} (the cap): nothing to move.`,
    );
    // The same command run again with nothing left: its job, stopped or interrupted before, is now done.
    const job =
      o.dryRun || !before
        ? undefined
        : Job.open(stateDir(ctx.session.env), spec, new Date(began), (m) => terminal.err(`note: ${m}`));
    if (job) job.append(sofar.reconciled);
    if (job && !job.settled()) {
      const time = isoSeconds(ctx.now());
      job.append([
        { kind: 'run', phase: 'move', time, planned: 0 },
        {
          kind: 'end',
          phase: 'move',
          time,
          moved: 0,
          failed: 0,
          left: 0,
          interrupted: false,
          verified: true,
        },
      ]);
      terminal.err(`Job ${job.id}: nothing left to move; recorded as ended.`);
    }
    const blocked = job
      ? await blockedRuns(client, o.from, {
          known: [...new Set(plan.kept.map((id) => byId.get(id)!.sequence_id))],
          earlier: earlier.map((r) => r.sequence_id),
          concurrency: o.concurrency,
        })
      : null;
    const rep = report({ kind: 'reassign', spec, plan, fates, earlier, dryRun: o.dryRun, job, blocked });
    let unwritten: string | undefined;
    if (o.report) unwritten = await writeJobReport(ctx, client, o.report, rep, who, undefined);
    if (ctx.output.format === 'json') await ctx.output.json(rep);
    if (blocked && blocked.length > 0) for (const line of blockedLines(rep, who)) terminal.err(line);
    if (unwritten) throw new PartialFailureError(unwritten);
    return;
  }
  if (o.dryRun) {
    terminal.err(text.trimEnd());
    const rep = report({ kind: 'reassign', spec, plan, fates, earlier, dryRun: true });
    if (ctx.output.format === 'json') await ctx.output.json(rep);
    else await printMovePreview(ctx.output, plan, byId, who);
    // The planned report: what would move, to whom, for a review before the run.
    const unwritten = o.report ? await writeJobReport(ctx, client, o.report, rep, who, undefined) : undefined;
    terminal.err('Dry run: nothing was changed.');
    if (unwritten) throw new PartialFailureError(unwritten);
    return;
  }
  terminal.err(text.trimEnd());
  const asked = ctx.now();
  await confirmCount(ctx, o.yes, plan.tasks, `Move ${plan.tasks} tasks from ${who(o.from)}?`);
  // The time at the question is the person's, not the job's.
  const started = began + (ctx.now() - asked);
  const stop = new Stop(ctx);
  try {
    const job = Job.open(stateDir(ctx.session.env), spec, new Date(ctx.now()), (m) =>
      terminal.err(`note: ${m}`),
    );
    terminal.err(`Job ${job.id}, journal: ${job.path}`);
    job.append(sofar.reconciled);
    job.append([{ kind: 'run', phase: 'move', time: isoSeconds(ctx.now()), planned: plan.tasks }]);
    const result = await execute(
      ctx,
      client,
      job,
      'move',
      plan.moves.filter((m) => m.to),
      o.from,
      fates,
      o.concurrency,
      who,
      stop,
    );
    await finish(ctx, client, {
      kind: 'reassign',
      spec,
      plan,
      job,
      fates,
      earlier,
      result,
      stop,
      started,
      who,
      report: o.report,
      // What the leaver holds now, within the subset: failures, tasks created meanwhile, the cap's share.
      verify: async () => (await collectOpenTasks(client, query, o.concurrency)).map((t) => t.id),
      kept: plan.kept,
      unassignedRuns: [...runs]
        .filter(([, open]) => open.some((t) => t.assignee_user_id === null))
        .map(([id]) => id),
      concurrency: o.concurrency,
    });
  } finally {
    stop.end();
  }
}

/** The key may change tasks: a read-only key is found out before the plan, not at the first call. */
async function preflight(client: ApiClient): Promise<void> {
  const me = await getMe(client);
  if (Array.isArray(me.scopes) && !me.scopes.includes(SCOPES.write)) {
    throw new AuthError(
      `this API key lacks the '${SCOPES.write}' scope, so nothing can be moved; nothing was changed. Use a key with it (Settings → Developers → API Keys)`,
    );
  }
}

/**
 * The open tasks of each run, whoever holds them: by walking every open task of the workspace (at
 * `workspaceCost` requests) or by listing each run, whichever takes fewer requests.
 */
async function openTasksByRun(
  client: ApiClient,
  runIds: string[],
  workspaceCost: number,
  concurrency: number,
): Promise<Map<string, Task[]>> {
  const byRun = new Map<string, Task[]>(runIds.map((id) => [id, []]));
  if (runIds.length === 0) return byRun;
  if (workspaceCost <= runIds.length) {
    for (const t of await collectOpenTasks(client, {}, concurrency)) byRun.get(t.sequence_id)?.push(t);
    return byRun;
  }
  await runPool(runIds, concurrency, async (runId) => {
    byRun.set(runId, await runOpenTasks(client, runId));
  });
  return byRun;
}

/** What a run holds open now (one request for any run of up to a hundred tasks). */
async function runOpenTasks(client: ApiClient, runId: string): Promise<Task[]> {
  const open: Task[] = [];
  for await (const t of walkTasks(client, { sequenceId: runId, sortBy: 'created_at', sortOrder: 'asc' }))
    if (isOpen(t)) open.push(t);
  return open;
}

async function confirmCount(ctx: Context, yes: boolean, count: number, what: string): Promise<void> {
  if (yes) return;
  const answer = await (await ctx.terminal.prompter()).input(`${what} Type ${count} to confirm:`);
  if (answer.trim().replace(/,/g, '') !== String(count)) {
    throw new TopoError('cancelled: the number did not match; nothing was changed', EXIT.cancelled);
  }
}

/**
 * Ctrl-C or SIGTERM, from the job's start to its last line: no call starts after it, a check still to come is
 * skipped (its requests let go), and what moved and what is left is still said and journaled. A second one
 * ends the process at once.
 */
class Stop {
  signal: Signal | undefined;
  /** What a stop cuts short now, for the line that says so. */
  doing = 'letting the calls in flight finish';
  private readonly stopped: Promise<void>;
  private readonly dispose: () => void;

  constructor(ctx: Context) {
    let wake: () => void = () => undefined;
    this.stopped = new Promise((resolve) => (wake = resolve));
    this.dispose = ctx.terminal.onInterrupt((signal) => {
      this.signal = signal;
      ctx.terminal.err(`\n${stoppingLine(signal, this.doing)}`);
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

  end(): void {
    this.dispose();
  }
}

interface Execution {
  calls: number;
  /** A refusal that stops the job: a 401/403, or a successor who is not a member (422 on a first call). */
  stopError: unknown;
}

/**
 * Moves run by run: each run is looked at just before its calls (nobody's work that changed hands after the
 * plan moves), each call is journaled when it starts and when it ends, and after an answer that may hide a
 * change the task is read back. The first run of each successor goes first, so a refusal costs one call.
 */
async function execute(
  ctx: Context,
  client: ApiClient,
  job: Job,
  phase: Phase,
  moves: RunMove[],
  leaverOf: string | ((move: RunMove) => string),
  fates: Map<string, TaskFate>,
  concurrency: number,
  who: Who,
  stop: Stop,
): Promise<Execution> {
  const { terminal } = ctx;
  let stopError: unknown;
  let calls = 0;
  const total = moves.reduce((n, m) => n + m.task_ids.length, 0);
  const progress = await startProgress(terminal, ctx.now, total, () => client.stats.rateLimited);
  let done = 0;
  const time = () => isoSeconds(ctx.now());
  const settle = (ids: string[], result: TaskFate['result'], extra: Partial<TaskFate> = {}) => {
    for (const id of ids) {
      const fate = fates.get(id);
      if (fate) Object.assign(fate, { result, ...extra });
    }
    done += ids.length;
    progress.update(done, [...fates.values()].filter((f) => f.result === 'failed').length);
  };
  /**
   * Moves one run: reads its open tasks again, settles what changed since the plan, sends its calls. A probe
   * sends only its first call and returns the rest, to be sent once every probe has been answered.
   */
  const unit = async (move: RunMove, probe: boolean): Promise<PlannedCall[]> => {
    const leaver = typeof leaverOf === 'string' ? leaverOf : leaverOf(move);
    const openNow = await runOpenTasks(client, move.sequence_id);
    const { calls: planned, gone, closed } = callsForRun(move, leaver, openNow);
    for (const t of gone)
      settle([t.id], 'skipped', { reason: `now with ${who(t.assignee_user_id)}`, task: t });
    settle(closed, 'skipped', { reason: 'closed since the plan' });
    await sendAll(probe ? planned.slice(0, 1) : planned, probe);
    return probe ? planned.slice(1) : [];
  };
  const sendAll = async (calls: PlannedCall[], probe = false) => {
    for (const call of calls) {
      // After a stop no call starts: a run read but not yet moved, or moved task by task, waits for the rerun.
      if (stopError !== undefined || stop.signal !== undefined) return;
      await send(call, probe);
    }
  };
  const record = (
    call: PlannedCall,
    result: MoveRecord['result'],
    error?: ReturnType<typeof errorOf>,
  ): MoveRecord[] =>
    call.task_ids.map((taskId) => ({
      kind: 'move',
      phase,
      task_id: taskId,
      sequence_id: call.sequence_id,
      type: fates.get(taskId)?.task.type,
      priority: fates.get(taskId)?.task.priority,
      from: call.from,
      to: call.to,
      scope: call.scope,
      time: time(),
      result,
      ...(error && { error: error.message }),
      ...(error?.request_id && { request_id: error.request_id }),
    }));
  const send = async (call: PlannedCall, probe: boolean) => {
    job.append(record(call, 'started'));
    // On the disk before the call goes: whatever stops the machine, a call that may have landed is on record.
    await job.durable().catch(() => undefined);
    calls++;
    try {
      await reassignTask(client, call.task_id, call.to, call.scope);
      job.append(record(call, 'moved'));
      settle(call.task_ids, 'moved', { to: call.to, from: call.from });
      return;
    } catch (error) {
      const e = errorOf(error);
      if (isAuthFailure(error) || (probe && error instanceof ApiError && error.status === 422)) {
        job.append(record(call, 'failed', e));
        settle(call.task_ids, 'failed', { reason: e.message });
        stopError ??= error;
        return;
      }
      // An answer that may hide a move (a dropped connection, a 5xx after the retries): the task says.
      if (error instanceof NetworkError || (error instanceof ApiError && error.status >= 500)) {
        const now = await getTask(client, call.task_id).catch(() => undefined);
        if (now?.assignee_user_id === call.to) {
          job.append(record(call, 'moved'));
          settle(call.task_ids, 'moved', { to: call.to, from: call.from });
          return;
        }
      }
      job.append(record(call, 'failed', e));
      settle(call.task_ids, 'failed', {
        reason: `${e.message}${e.request_id ? ` (request ${e.request_id})` : ''}`,
      });
    }
  };
  const shouldStop = () => stopError !== undefined || stop.signal !== undefined;
  try {
    const firsts = new Map<string, RunMove>();
    for (const m of moves) if (m.to && !firsts.has(m.to)) firsts.set(m.to, m);
    // Each successor's first run goes before the rest, side by side with the other successors' first runs: a
    // successor the API refuses costs one call.
    const probes = [...firsts.values()];
    const rests = await runPool(
      probes,
      Math.min(concurrency, probes.length),
      (m) => unit(m, true),
      shouldStop,
    );
    // What the probes' runs have left to send goes first, then the other runs.
    const work: ({ calls: PlannedCall[] } | { move: RunMove })[] = [
      ...rests.filter((calls) => calls && calls.length > 0).map((calls) => ({ calls: calls! })),
      ...moves.filter((m) => !probes.includes(m)).map((move) => ({ move })),
    ];
    await runPool(
      work,
      concurrency,
      async (item) => ('calls' in item ? sendAll(item.calls) : void (await unit(item.move, false))),
      shouldStop,
      client,
    );
  } catch (error) {
    if (!isAuthFailure(error)) throw error;
    stopError ??= error;
  } finally {
    progress.stop();
  }
  return { calls, stopError };
}

interface Finish {
  kind: MoveReport['kind'];
  spec: JobSpec;
  plan: ReturnType<typeof planOffboard> | null;
  job: Job;
  fates: Map<string, TaskFate>;
  /** What earlier runs of the job moved (and this run did not plan again): reported with this run's. */
  earlier: MoveRecord[];
  result: Execution;
  stop: Stop;
  started: number;
  who: Who;
  report: string | undefined;
  verify: () => Promise<string[]>;
  kept: string[];
  /** Runs of the plan that also hold an unassigned open task (it may block them). */
  unassignedRuns: string[];
  concurrency: number;
}

/**
 * Verification, blocked runs, the journal's end, the report and the summary; then the exit code. A Ctrl-C
 * here skips the checks still to come, never the journal's end, the report or the summary.
 */
async function finish(ctx: Context, client: ApiClient, f: Finish): Promise<void> {
  const { terminal, output } = ctx;
  const { stop } = f;
  let remaining: string[] | null = null;
  let verifyError: unknown;
  let blocked: string[] | null = null;
  let blockedUnknown = false;
  if (!isAuthFailure(f.result.stopError)) {
    stop.doing = 'skipping the check of what is left';
    try {
      const listed = await stop.unless(f.verify);
      if (listed) remaining = listed.value.filter((id) => !f.kept.includes(id));
    } catch (error) {
      verifyError = error;
    }
  }
  if (f.kind === 'reassign' && remaining) {
    const known = new Set(f.unassignedRuns);
    for (const fate of f.fates.values())
      if (remaining.includes(fate.task.id) || f.kept.includes(fate.task.id)) known.add(fate.task.sequence_id);
    const checked = await stop.unless(() =>
      blockedRuns(client, f.spec.from, {
        known: [...known],
        // A resumed job's report checks the runs earlier runs moved too.
        earlier: f.earlier.map((r) => r.sequence_id),
        concurrency: f.concurrency,
      }),
    );
    if (checked) blocked = checked.value;
    blockedUnknown = checked !== undefined && checked.value === null;
  }
  // Requests a stop let go are not waited for at exit.
  if (stop.signal) client.abandon();
  const n = (r: TaskFate['result']) => [...f.fates.values()].filter((x) => x.result === r).length;
  const left = n('not_started') + n('failed');
  f.job.append([
    {
      kind: 'end',
      phase: f.kind === 'reassign' ? 'move' : f.kind,
      time: isoSeconds(ctx.now()),
      moved: n('moved'),
      failed: n('failed'),
      left,
      interrupted: stop.signal !== undefined,
      verified: remaining !== null,
    },
  ]);
  const rep = report({
    kind: f.kind,
    spec: f.spec,
    plan: f.plan,
    fates: f.fates,
    earlier: f.earlier,
    dryRun: false,
    job: f.job,
    calls: f.result.calls,
    remaining,
    blocked,
    interrupted: stop.signal !== undefined,
    stats: {
      requests: client.stats.requests,
      retries: client.stats.retries,
      rate_limited: client.stats.rateLimited,
      rate_limit_wait_ms: client.stats.rateLimitWaitMs,
      // The rate the API was found to accept (requests per second), when it limited this job.
      rate_limit:
        client.stats.rateLimited > 0 && Number.isFinite(client.pacer.rate) ? client.pacer.rate : null,
      wall_ms: ctx.now() - f.started,
    },
  });
  const unwritten = f.report ? await writeJobReport(ctx, client, f.report, rep, f.who, stop) : undefined;
  // A Ctrl-C from here on comes too late to change what the journal says.
  const interrupted = stop.signal;
  stop.doing = 'finishing the summary';
  if (output.format === 'json') await output.json(rep);
  for (const line of summaryLines(rep, f.who)) terminal.err(line);
  if (verifyError)
    terminal.err(
      `Not verified: listing what is left failed (${describeError(verifyError)}); check with 'topo tasks list -a ${f.spec.from}'.`,
    );
  if (blockedUnknown)
    terminal.err("note: which runs are still blocked could not be checked: the key lacks 'sequences:read'.");
  const refusal = f.result.stopError;
  if (refusal instanceof ApiError) {
    // A refusal that would hit every call: say what was done, what is left, and stop with its code.
    const rest = `${plural(rep.moved, 'task')} moved, ${plural(left, 'task')} not; fix it and run the same command again`;
    throw new ApiError(
      `${refusal.message}; ${rest}`,
      refusal.status,
      refusal.type,
      refusal.requestId,
      refusal.body,
    );
  }
  if (refusal) throw refusal;
  if (interrupted) {
    const again =
      left > 0
        ? 'run the same command again to finish'
        : 'what is left was not checked: run the same command again to check';
    throw new InterruptedError(
      `interrupted: ${plural(rep.moved, 'task')} moved, ${plural(left, 'task')} left; ${again}`,
      interrupted,
    );
  }
  if (verifyError)
    throw new PartialFailureError('the moves were made, but what is left could not be checked');
  const still = remaining?.length ?? left;
  if (n('failed') > 0 || still > 0) {
    const retry = n('failed') > 0 || f.kind === 'reassign' ? '; run the same command again to move them' : '';
    throw new PartialFailureError(`${plural(still, 'open task')} left${retry}`);
  }
  if (unwritten) throw new PartialFailureError(unwritten);
}

/**
 * Runs still waiting for a task nobody will do: WAITING_FOR_USER while an open task of theirs is unassigned
 * or still with the leaver. `known` are runs known to hold such a task; `earlier` are runs the job moved
 * before, looked at again. Null when the key may not read runs.
 */
async function blockedRuns(
  client: ApiClient,
  leaver: string,
  runs: { known: string[]; earlier: string[]; concurrency: number },
): Promise<string[] | null> {
  const { Enricher } = await import('./enrich.js');
  const enricher = new Enricher(client, () => undefined);
  if (!(await enricher.allows()).sequences) return null;
  const known = new Set(runs.known);
  const candidates = [...new Set([...runs.known, ...runs.earlier])];
  const status = await enricher.ofRuns(candidates, false);
  const waiting = candidates.filter((id) => status.get(id)?.run?.status === 'WAITING_FOR_USER');
  const blocked = new Set(waiting.filter((id) => known.has(id)));
  await runPool(
    waiting.filter((id) => !known.has(id)),
    runs.concurrency,
    async (id) => {
      const open = await runOpenTasks(client, id);
      if (open.some((t) => t.assignee_user_id === null || t.assignee_user_id === leaver)) blocked.add(id);
    },
  );
  return waiting.filter((id) => blocked.has(id));
}

/**
 * `--report <file>`, with each run's campaign name (left out when a Ctrl-C comes first). A report that cannot
 * be written is printed on stderr instead; the reason is returned, for exit 6 once the summary is said.
 */
async function writeJobReport(
  ctx: Context,
  client: ApiClient,
  path: string,
  rep: MoveReport,
  who: Who,
  stop: Stop | undefined,
): Promise<string | undefined> {
  const { renderReport, writeReportFile } = await import('../output/offboard.js');
  const runIds = rep.tasks.map((t) => t.sequence_id);
  let names: Map<string, string> | undefined;
  if (stop) {
    stop.doing = 'writing the report without campaign names';
    names = (await stop.unless(() => templateNames(ctx, client, runIds)).catch(() => undefined))?.value;
    if (stop.signal) client.abandon();
  } else names = await templateNames(ctx, client, runIds);
  const text = renderReport(path, rep, who, names ?? new Map());
  try {
    writeReportFile(path, text);
    ctx.terminal.err(rep.dry_run ? `Report (the plan; nothing moved): ${path}` : `Report: ${path}`);
    return undefined;
  } catch (error) {
    // Checked before anything moved; a disk that fills or a folder removed since must not lose the report.
    const reason =
      error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error);
    ctx.terminal.err(`warning: the report could not be written to ${path} (${reason}); here it is:`);
    ctx.terminal.err(text.trimEnd());
    return `the report could not be written to ${path} (${reason}); it was printed on stderr`;
  }
}

async function templateNames(
  ctx: Context,
  client: ApiClient,
  runIds: string[],
): Promise<Map<string, string>> {
  const { Enricher } = await import('./enrich.js');
  const runs = await new Enricher(client, (m) => ctx.terminal.err(m)).ofRuns(runIds, true);
  return new Map([...runs].map(([id, r]) => [id, r.template?.name ?? '']));
}

function report(r: {
  kind: MoveReport['kind'];
  spec: JobSpec;
  plan: ReturnType<typeof planOffboard> | null;
  fates: Map<string, TaskFate>;
  dryRun: boolean;
  job?: Job;
  calls?: number;
  remaining?: string[] | null;
  blocked?: string[] | null;
  interrupted?: boolean;
  stats?: MoveReport['stats'];
  earlier?: MoveRecord[];
}): MoveReport {
  const fates = [...r.fates.values()];
  const earlier = r.earlier ?? [];
  const n = (x: TaskFate['result']) => fates.filter((f) => f.result === x).length;
  // What each successor got or gets: this run's plan, and what earlier runs of the job gave them.
  const to = (
    r.plan ? r.plan.successors : r.spec.to.map((t) => ({ ...t, runs: 0, tasks: 0, by_priority: {} }))
  ).map((share) => {
    const theirs = earlier.filter((e) => e.to === share.id);
    if (theirs.length === 0) return share;
    const planned = new Set((r.plan?.moves ?? []).filter((m) => m.to === share.id).map((m) => m.sequence_id));
    const byPriority: Record<string, number> = { ...share.by_priority };
    for (const e of theirs) if (e.priority) byPriority[e.priority] = (byPriority[e.priority] ?? 0) + 1;
    return {
      ...share,
      runs: share.runs + new Set(theirs.map((e) => e.sequence_id).filter((id) => !planned.has(id))).size,
      tasks: share.tasks + theirs.length,
      by_priority: byPriority,
    };
  });
  return {
    kind: r.kind,
    job: r.job?.id ?? null,
    journal: r.job?.path ?? null,
    from: r.spec.from,
    to,
    until: r.spec.until,
    plan: r.plan
      ? {
          tasks: r.plan.tasks,
          runs: r.plan.runs,
          calls: r.plan.calls,
          by_type: r.plan.by_type,
          by_priority: r.plan.by_priority,
          staying: r.plan.staying,
          task_by_task: r.plan.task_by_task,
        }
      : null,
    calls: r.calls ?? 0,
    moved: n('moved') + earlier.length,
    moved_before: earlier.length,
    failed: n('failed'),
    not_started: n('not_started'),
    kept: n('kept'),
    skipped: fates
      .filter((f) => f.result === 'skipped')
      .map((f) => ({ task_id: f.task.id, reason: f.reason ?? '' })),
    remaining: r.remaining ?? null,
    blocked_runs: r.blocked ?? null,
    interrupted: Boolean(r.interrupted),
    dry_run: r.dryRun,
    tasks: [
      ...earlier.map((e) => ({
        task_id: e.task_id,
        sequence_id: e.sequence_id,
        type: e.type ?? '',
        priority: e.priority ?? '',
        from: e.from,
        to: e.to,
        result: 'moved' as const,
        reason: 'in an earlier run',
      })),
      ...fates.map((f) => ({
        task_id: f.task.id,
        sequence_id: f.task.sequence_id,
        type: f.task.type,
        priority: f.task.priority,
        from: f.from,
        to: f.to,
        result: r.dryRun && f.result === 'not_started' ? ('would_move' as const) : f.result,
        reason: f.reason,
      })),
    ],
    stats: r.stats ?? null,
  };
}

/** The job `--undo` names (its id, `last` of this workspace, or a journal file): found before anything else. */
export async function findJob(ctx: Context, idOrPath: string): Promise<Job> {
  const { stateDir } = await import('../config/paths.js');
  const workspace = await currentWorkspace(ctx.session);
  const job = Job.find(stateDir(ctx.session.env), idOrPath, workspace);
  if (job.header && !inWorkspace(job, workspace))
    ctx.terminal.err(
      `note: job ${job.id} ran in another workspace (${describeWorkspace(job.header)}); this is ${describeWorkspace(workspace)}.`,
    );
  return job;
}

/** Undoing a job, or giving back a temporary cover: each task back to whom it came from, if unchanged. */
export async function runUndo(
  ctx: Context,
  o: { job: Job; phase: 'undo' | 'return'; dryRun: boolean; yes: boolean; concurrency: number },
): Promise<void> {
  const { terminal } = ctx;
  const began = ctx.now();
  const client = await ctx.session.api();
  const who = whoFrom(await ctx.people.names());
  const { job } = o;
  // What cannot be read is said, and the rest is undone.
  if (job.unreadable.length > 0)
    terminal.err(
      `note: ${job.unreadableNote()}; what the others record is ${o.phase === 'undo' ? 'undone' : 'given back'}`,
    );
  if (!o.dryRun) await preflight(client);
  const moved = [...job.outcomes('move').values()].filter((r) => r.result !== 'failed');
  const restored = new Map(
    [...job.outcomes('undo').values(), ...job.outcomes('return').values()]
      .filter((r) => r.result === 'moved')
      .map((r) => [r.task_id, r]),
  );
  // What each moved task is now: one request per task, or by listing whoever got them when cheaper.
  const current = await currentTasks(client, moved, o.concurrency);
  const back: { record: MoveRecord; task: Task }[] = [];
  const leftAlone: { task_id: string; reason: string }[] = [];
  for (const r of moved) {
    const t = current.get(r.task_id);
    if (restored.has(r.task_id) && t?.assignee_user_id === r.from) {
      leftAlone.push({
        task_id: r.task_id,
        reason: `already back with ${who(r.from)} (by an earlier ${restored.get(r.task_id)!.phase})`,
      });
    } else if (!t) leftAlone.push({ task_id: r.task_id, reason: 'not found any more' });
    else if (!isOpen(t))
      leftAlone.push({ task_id: r.task_id, reason: `${String(t.status).toLowerCase()} since` });
    else if (t.assignee_user_id !== r.to)
      leftAlone.push({ task_id: r.task_id, reason: `now with ${who(t.assignee_user_id)}` });
    else if (!r.from)
      leftAlone.push({ task_id: r.task_id, reason: 'was unassigned before; the API cannot unassign' });
    else back.push({ record: r, task: t });
  }
  const fates = new Map<string, TaskFate>(
    back.map(({ record, task }) => [
      task.id,
      { task, from: record.to, to: record.from, result: 'not_started', reason: null },
    ]),
  );
  // Back by run: a run whose tasks all go back to one person, and hold nothing else, takes one call.
  const groups = new Map<string, RunMove & { leaver: string }>();
  for (const { record, task } of back) {
    const key = `${task.sequence_id} ${record.to} ${record.from}`;
    const g = groups.get(key) ?? {
      sequence_id: task.sequence_id,
      task_ids: [],
      to: record.from,
      scope: 'SEQUENCE',
      reason: null,
      leaver: record.to,
    };
    g.task_ids.push(task.id);
    groups.set(key, g);
  }
  const moves = [...groups.values()].map((g) => ({
    ...g,
    scope: g.task_ids.length > 1 ? ('SEQUENCE' as const) : ('TASK' as const),
  }));
  const verb = o.phase === 'undo' ? 'Undo' : 'Give back';
  const alreadyBack = leftAlone.filter((l) => l.reason.startsWith('already back'));
  terminal.err(
    `${verb} job ${job.id}: ${plural(back.length, 'task')} to move back${leftAlone.length ? `; ${leftAlone.length} left alone:` : '.'}`,
  );
  const shown = terminal.stderrIsTTY ? leftAlone.slice(0, 20) : leftAlone;
  for (const l of shown) terminal.err(`  ${l.task_id}  ${l.reason}`);
  if (shown.length < leftAlone.length)
    terminal.err(`  … and ${leftAlone.length - shown.length} more (see --json)`);
  const spec: JobSpec = job.header ?? {
    api_url: '',
    profile: '',
    from: moved[0]?.to ?? '',
    to: [],
    cap: null,
    filters: {},
    until: null,
  };
  if (back.length === 0) {
    terminal.err(
      alreadyBack.length === moved.length && moved.length > 0
        ? `Nothing to ${o.phase}: all ${plural(moved.length, 'recorded task')} are already back.`
        : `Nothing to ${o.phase}: ${alreadyBack.length} already back, ${leftAlone.length - alreadyBack.length} changed since.`,
    );
    if (ctx.output.format === 'json')
      await ctx.output.json({
        ...report({ kind: o.phase, spec, plan: null, fates, dryRun: o.dryRun, job }),
        skipped: leftAlone,
      });
    return;
  }
  if (o.dryRun) {
    if (ctx.output.format === 'json')
      await ctx.output.json({
        ...report({ kind: o.phase, spec, plan: null, fates, dryRun: true, job }),
        skipped: leftAlone,
      });
    else {
      const { printBackPreview } = await import('../output/offboard.js');
      await printBackPreview(
        ctx.output,
        back.map((b) => ({ task: b.task, to: b.record.from! })),
        who,
      );
    }
    terminal.err('Dry run: nothing was changed.');
    return;
  }
  const asked = ctx.now();
  await confirmCount(ctx, o.yes, back.length, `${verb} ${back.length} tasks?`);
  const started = began + (ctx.now() - asked);
  const stop = new Stop(ctx);
  try {
    await undoRun(ctx, client, { ...o, job, stop, back, leftAlone, moves, fates, spec, who, started });
  } finally {
    stop.end();
  }
}

/** The calls of an undo or a return, then what `finish` says of any job. */
async function undoRun(
  ctx: Context,
  client: ApiClient,
  o: {
    job: Job;
    phase: 'undo' | 'return';
    concurrency: number;
    stop: Stop;
    back: { record: MoveRecord; task: Task }[];
    leftAlone: { task_id: string; reason: string }[];
    moves: (RunMove & { leaver: string })[];
    fates: Map<string, TaskFate>;
    spec: JobSpec;
    who: Who;
    started: number;
  },
): Promise<void> {
  const { job, fates, back, who } = o;
  job.prepareAppend((m) => ctx.terminal.err(`note: ${m}`));
  job.append([{ kind: 'run', phase: o.phase, time: isoSeconds(ctx.now()), planned: back.length }]);
  const result = await execute(
    ctx,
    client,
    job,
    o.phase,
    o.moves,
    (m) => (m as RunMove & { leaver: string }).leaver,
    fates,
    o.concurrency,
    who,
    o.stop,
  );
  for (const l of o.leftAlone)
    fates.set(l.task_id, {
      task: { id: l.task_id, sequence_id: '' } as Task,
      from: null,
      to: null,
      result: 'skipped',
      reason: l.reason,
    });
  await finish(ctx, client, {
    kind: o.phase,
    spec: o.spec,
    plan: null,
    job,
    fates,
    earlier: [],
    result,
    stop: o.stop,
    started: o.started,
    who,
    report: undefined,
    verify: async () => {
      const still: string[] = [];
      await runPool(back, o.concurrency, async ({ record, task }) => {
        const t = await getTask(client, task.id).catch(() => undefined);
        if (t && isOpen(t) && t.assignee_user_id === record.to) still.push(t.id);
      });
      return still;
    },
    kept: [],
    unassignedRuns: [],
    concurrency: o.concurrency,
  });
}

/** Jobs whose cover ended: given back when confirmed. */
export async function runReturns(
  ctx: Context,
  o: { dryRun: boolean; yes: boolean; concurrency: number },
): Promise<void> {
  const { stateDir } = await import('../config/paths.js');
  const now = ctx.now();
  const workspace = await currentWorkspace(ctx.session);
  const problems: string[] = [];
  const all = Job.all(stateDir(ctx.session.env), problems);
  for (const problem of problems) ctx.terminal.err(`note: ${problem}`);
  const due = all.filter(
    (j) =>
      inWorkspace(j, workspace) &&
      j.header?.until &&
      Date.parse(j.header.until) <= now &&
      !j.lastEnd('return'),
  );
  if (due.length === 0) {
    const returned = all.filter(
      (j) => inWorkspace(j, workspace) && j.header?.until && j.lastEnd('return'),
    ).length;
    ctx.terminal.err(
      `Nothing to give back: no cover job has reached its --until date${returned ? ` and not been given back yet (${plural(returned, 'job')} given back already)` : ''}.`,
    );
    if (ctx.output.format === 'json') await ctx.output.json([]);
    return;
  }
  for (const job of due) await runUndo(ctx, { job, phase: 'return', ...o });
}
