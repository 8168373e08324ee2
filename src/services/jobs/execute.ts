import type { ApiClient } from '../../api/client.js';
import { ApiError, NetworkError } from '../../api/errors.js';
import { getTask, reassignTask } from '../../api/tasks.js';
import type { Task } from '../../api/types.js';
import type { JobMove, MoveRecord, Phase, ProgressSink, TaskFate } from '../../domain/job.js';
import type { ItemError } from '../../domain/outcome.js';
import { callsForRun, type PlannedCall } from '../../domain/plan.js';
import { isOpen, type Who } from '../../domain/task.js';
import { isoSeconds } from '../../basics/time.js';
import { errorOf, isAuthFailure, runPool } from '../bulk.js';
import { batchesOf, checkBatch, createdSince, type BatchCheck } from './check.js';
import { runOpenTasks } from './runs.js';
import type { Stop } from './stop.js';
import type { Job } from './store.js';

/**
 * The calls of a job, run by run: each run is looked at just before its calls (nobody's work that changed hands
 * after the plan moves), each call is journaled when it starts and when it ends, and after an answer that may
 * hide a change the task is read back. The first run of each successor goes first, so a refusal costs one call.
 *
 * With the time of the plan, the rest go by batches of about a hundred tasks, each looked at by a few listings
 * just before its calls (check.ts) instead of a read of each run; a run those do not show whole is read on its
 * own. After the calls, tasks created since the plan that a whole-run call took along are journaled as such.
 */

export interface ExecuteOptions {
  client: ApiClient;
  job: Job;
  phase: Phase;
  moves: readonly JobMove[];
  /** Every task of the run, by id: settled here as its call ends (or as the run is found changed). */
  fates: Map<string, TaskFate>;
  concurrency: number;
  who: Who;
  stop: Stop;
  now: () => number;
  progress: ProgressSink;
  /**
   * The stop rules: a refusal that stops the whole job, because it would hit every call. By default a 401 or
   * 403 on any call, and a 422 on a successor's first call (the successor is not a member).
   */
  stopsJob?: (error: unknown, probe: boolean) => boolean;
  /** When the plan read the runs (ms): given, runs are looked at by batches; otherwise one read each. */
  plannedAt?: number;
}

export interface Execution {
  calls: number;
  /** The refusal that stopped the job, if one did. */
  stopError: unknown;
}

export const DEFAULT_STOP_RULES = (error: unknown, probe: boolean): boolean =>
  isAuthFailure(error) || (probe && error instanceof ApiError && error.status === 422);

export async function execute(o: ExecuteOptions): Promise<Execution> {
  const run = new Calls(o);
  await o.progress.start(o.moves.reduce((n, m) => n + m.task_ids.length, 0));
  try {
    const firsts = new Map<string, JobMove>();
    for (const m of o.moves) if (m.to && !firsts.has(m.to)) firsts.set(m.to, m);
    // Each successor's first run goes before the rest, side by side with the other successors' first runs: a
    // successor the API refuses costs one call.
    const probes = [...firsts.values()];
    const stopping = () => run.stopping();
    // The first batch is looked at while the probes go.
    const rest = run.inOrder(o.moves.filter((m) => !probes.includes(m)));
    const rests = await runPool(
      probes,
      Math.min(o.concurrency, probes.length),
      (m) => run.unit(m, true),
      stopping,
    );
    // What the probes' runs have left to send goes first, then the other runs.
    const work: ({ calls: PlannedCall[] } | { move: JobMove; at?: BatchPlace })[] = [
      ...rests.filter((calls) => calls && calls.length > 0).map((calls) => ({ calls: calls! })),
      ...rest,
    ];
    const item = async (w: (typeof work)[number]) =>
      'calls' in w ? run.sendAll(w.calls) : void (await run.unit(w.move, false, w.at));
    await runPool(work, o.concurrency, item, stopping, o.client);
    if (!run.stopping()) await run.takenAlong();
  } catch (error) {
    if (!isAuthFailure(error)) throw error;
    run.stopError ??= error;
  } finally {
    o.progress.stop();
  }
  return { calls: run.calls, stopError: run.stopError };
}

/** Where a run stands among the batches: its batch, and whether it is the batch's last run. */
interface BatchPlace {
  batch: number;
  last: boolean;
}

/** The state of one execution: calls sent, the refusal that stops it, what is done. */
class Calls {
  calls = 0;
  stopError: unknown;
  private done = 0;
  private readonly stopsJob: (error: unknown, probe: boolean) => boolean;
  private batches: JobMove[][] = [];
  private readonly checks = new Map<number, Promise<BatchCheck>>();
  /** Runs moved by one whole-run call: to whom, and when the call went (ms). */
  private readonly wholeRuns = new Map<string, { call: PlannedCall; sent: number }>();
  /** Tasks created since the plan as the checks saw them: who had each, and when that was seen (ms). */
  private readonly seenNew = new Map<string, { holder: string | null; at: number }>();

  constructor(private readonly o: ExecuteOptions) {
    this.stopsJob = o.stopsJob ?? DEFAULT_STOP_RULES;
  }

  stopping(): boolean {
    return this.stopError !== undefined || this.o.stop.signal !== undefined;
  }

  /** The runs in the order they go: by batches when the time of the plan is known, as planned otherwise. */
  inOrder(moves: JobMove[]): { move: JobMove; at?: BatchPlace }[] {
    if (this.o.plannedAt === undefined) return moves.map((move) => ({ move }));
    this.batches = batchesOf(moves, this.o.fates);
    void this.check(0);
    return this.batches.flatMap((batch, i) =>
      batch.map((move, j) => ({ move, at: { batch: i, last: j === batch.length - 1 } })),
    );
  }

  /** The look at batch i, read once (started by its first run, or ahead by the last run of the batch before). */
  private check(i: number): Promise<BatchCheck> | undefined {
    const batch = this.batches[i];
    if (!batch) return undefined;
    let check = this.checks.get(i);
    if (!check) {
      check = checkBatch(this.o.client, batch, this.o.fates, this.o.plannedAt!, this.o.now);
      check.then(
        (c) => this.noteCreated(c.created, c.at),
        () => undefined,
      );
      this.checks.set(i, check);
    }
    return check;
  }

  private noteCreated(created: Map<string, Task[]>, at: number): void {
    for (const tasks of created.values())
      for (const t of tasks) {
        const seen = this.seenNew.get(t.id);
        const call = this.wholeRuns.get(t.sequence_id);
        // Seen with the successor after the whole-run call went: the call may have taken it, not a holder.
        if (call && call.sent <= at && t.assignee_user_id === call.call.to) continue;
        if (!seen || seen.at <= at) this.seenNew.set(t.id, { holder: t.assignee_user_id, at });
      }
  }

  /**
   * Moves one run: reads its open tasks again (or takes them from its batch's look), settles what changed
   * since the plan, sends its calls. A probe sends only its first call and returns the rest, to be sent once
   * every probe has been answered.
   */
  async unit(move: JobMove, probe: boolean, at?: BatchPlace): Promise<PlannedCall[]> {
    let openNow: Task[] | undefined;
    if (at) {
      const check = this.check(at.batch)!;
      // The next batch is looked at while this one's last calls are in flight.
      if (at.last) this.check(at.batch + 1);
      openNow = (await check.catch(() => undefined))?.openNow.get(move);
      if (this.stopping()) return [];
    }
    openNow ??= await runOpenTasks(this.o.client, move.sequence_id);
    const { calls: planned, gone, closed, kept } = callsForRun(move, move.from, openNow);
    for (const t of gone)
      this.settle([t.id], 'skipped', { reason: `now with ${this.o.who(t.assignee_user_id)}`, task: t });
    this.settle(closed, 'skipped', { reason: 'closed since the plan' });
    if (kept) this.settle(kept.task_ids, 'skipped', { reason: kept.reason });
    await this.sendAll(probe ? planned.slice(0, 1) : planned, probe);
    return probe ? planned.slice(1) : [];
  }

  async sendAll(calls: PlannedCall[], probe = false): Promise<void> {
    for (const call of calls) {
      // After a stop no call starts: a run read but not yet moved, or moved task by task, waits for the rerun.
      if (this.stopping()) return;
      await this.send(call, probe);
    }
  }

  private async send(call: PlannedCall, probe: boolean): Promise<void> {
    const { job, client } = this.o;
    job.append(this.records(call, 'started'));
    // On the disk before the call goes: whatever stops the machine, a call that may have landed is on record.
    await job.durable().catch(() => undefined);
    this.calls++;
    const sent = this.o.now();
    try {
      const answer = await reassignTask(client, call.task_id, call.to, call.scope);
      if (call.scope === 'SEQUENCE') return await this.wholeRunMoved(call, answer, sent);
      this.moved(call);
    } catch (error) {
      const e = errorOf(error);
      if (this.stopsJob(error, probe)) {
        this.failed(call, e, e.message);
        this.stopError ??= error;
        return;
      }
      // An answer that may hide a move (a dropped connection, a 5xx after the retries): the task says.
      if (error instanceof NetworkError || (error instanceof ApiError && error.status >= 500)) {
        const now = await getTask(client, call.task_id).catch(() => undefined);
        if (now?.assignee_user_id === call.to) return this.moved(call);
      }
      this.failed(call, e, `${e.message}${e.request_id ? ` (request ${e.request_id})` : ''}`);
    }
  }

  /**
   * A whole-run call answered: the task it names is compared with the plan. With the successor and open, the
   * planned tasks moved from the holder the look before the call showed; otherwise the run is read again and
   * each planned task is journaled as that read shows it (moved only if with the successor now).
   */
  private async wholeRunMoved(call: PlannedCall, answer: Task, sent: number): Promise<void> {
    this.wholeRuns.set(call.sequence_id, { call, sent });
    if (answer.id === call.task_id && answer.assignee_user_id === call.to && isOpen(answer))
      return this.moved(call);
    const now = await runOpenTasks(this.o.client, call.sequence_id).catch(() => undefined);
    const withTo = call.task_ids.filter((id) =>
      now ? now.some((t) => t.id === id && t.assignee_user_id === call.to) : id === answer.id,
    );
    if (withTo.length > 0) this.moved({ ...call, task_ids: withTo });
    const rest = call.task_ids.filter((id) => !withTo.includes(id));
    if (rest.length === 0) return;
    const reason = `not with ${this.o.who(call.to)} after the whole-run call (changed or closed meanwhile)`;
    this.o.job.append(
      this.records({ ...call, task_ids: rest }, 'failed', {
        status: null,
        type: null,
        message: reason,
        request_id: null,
      }),
    );
    this.settle(rest, 'failed', { reason });
  }

  /**
   * After the calls: tasks created since the plan in a run moved by one whole-run call, now with its successor
   * and not planned, were taken along by the call. Each is journaled as moved from the holder a look before
   * the call saw it with, or from a holder not known (an undo leaves those where they are).
   */
  async takenAlong(): Promise<void> {
    if (this.wholeRuns.size === 0 || this.o.plannedAt === undefined) return;
    const recent = await createdSince(this.o.client, this.o.plannedAt).catch(() => undefined);
    if (!recent) return;
    const { job, fates, phase, now } = this.o;
    for (const t of recent) {
      const whole = this.wholeRuns.get(t.sequence_id);
      if (!whole || fates.has(t.id) || !isOpen(t) || t.assignee_user_id !== whole.call.to) continue;
      const seen = this.seenNew.get(t.id);
      const known = seen !== undefined && seen.at <= whole.sent;
      job.append([
        {
          kind: 'move',
          phase,
          task_id: t.id,
          sequence_id: t.sequence_id,
          type: t.type,
          priority: t.priority,
          from: known ? seen.holder : null,
          to: whole.call.to,
          scope: 'SEQUENCE',
          time: isoSeconds(now()),
          result: 'moved',
          taken: true,
          ...(!known && { from_unknown: true }),
        },
      ]);
      const holder = known ? this.o.who(seen.holder) : 'a holder not known';
      fates.set(t.id, {
        task: t,
        from: known ? seen.holder : null,
        to: whole.call.to,
        result: 'moved',
        reason: `taken along with its run by the whole-run call (created since the plan; from ${holder})`,
      });
    }
  }

  private moved(call: PlannedCall): void {
    this.o.job.append(this.records(call, 'moved'));
    this.settle(call.task_ids, 'moved', { to: call.to, from: call.from });
  }

  private failed(call: PlannedCall, e: ItemError, reason: string): void {
    this.o.job.append(this.records(call, 'failed', e));
    this.settle(call.task_ids, 'failed', { reason });
  }

  private settle(ids: string[], result: TaskFate['result'], extra: Partial<TaskFate> = {}): void {
    const { fates, progress, client } = this.o;
    for (const id of ids) {
      const fate = fates.get(id);
      if (fate) Object.assign(fate, { result, ...extra });
    }
    this.done += ids.length;
    const failed = [...fates.values()].filter((f) => f.result === 'failed').length;
    progress.update({ done: this.done, failed, waits: client.stats.rateLimited });
  }

  private records(call: PlannedCall, result: MoveRecord['result'], error?: ItemError): MoveRecord[] {
    const { fates, phase, now } = this.o;
    return call.task_ids.map((taskId) => ({
      kind: 'move',
      phase,
      task_id: taskId,
      sequence_id: call.sequence_id,
      type: fates.get(taskId)?.task.type,
      priority: fates.get(taskId)?.task.priority,
      from: call.from,
      to: call.to,
      scope: call.scope,
      time: isoSeconds(now()),
      result,
      ...(error && { error: error.message }),
      ...(error?.request_id && { request_id: error.request_id }),
    }));
  }
}
