import type { ApiClient } from '../../api/client.js';
import { ApiError, NetworkError } from '../../api/errors.js';
import { getTask, reassignTask } from '../../api/tasks.js';
import type { JobMove, MoveRecord, Phase, ProgressSink, TaskFate } from '../../domain/job.js';
import type { ItemError } from '../../domain/outcome.js';
import { callsForRun, type PlannedCall } from '../../domain/plan.js';
import type { Who } from '../../domain/task.js';
import { isoSeconds } from '../../basics/time.js';
import { errorOf, isAuthFailure, runPool } from '../bulk.js';
import { runOpenTasks } from './runs.js';
import type { Stop } from './stop.js';
import type { Job } from './store.js';

/**
 * The calls of a job, run by run: each run is looked at just before its calls (nobody's work that changed hands
 * after the plan moves), each call is journaled when it starts and when it ends, and after an answer that may
 * hide a change the task is read back. The first run of each successor goes first, so a refusal costs one call.
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
    const rests = await runPool(
      probes,
      Math.min(o.concurrency, probes.length),
      (m) => run.unit(m, true),
      stopping,
    );
    // What the probes' runs have left to send goes first, then the other runs.
    const work: ({ calls: PlannedCall[] } | { move: JobMove })[] = [
      ...rests.filter((calls) => calls && calls.length > 0).map((calls) => ({ calls: calls! })),
      ...o.moves.filter((m) => !probes.includes(m)).map((move) => ({ move })),
    ];
    const item = async (w: (typeof work)[number]) =>
      'calls' in w ? run.sendAll(w.calls) : void (await run.unit(w.move, false));
    await runPool(work, o.concurrency, item, stopping, o.client);
  } catch (error) {
    if (!isAuthFailure(error)) throw error;
    run.stopError ??= error;
  } finally {
    o.progress.stop();
  }
  return { calls: run.calls, stopError: run.stopError };
}

/** The state of one execution: calls sent, the refusal that stops it, what is done. */
class Calls {
  calls = 0;
  stopError: unknown;
  private done = 0;
  private readonly stopsJob: (error: unknown, probe: boolean) => boolean;

  constructor(private readonly o: ExecuteOptions) {
    this.stopsJob = o.stopsJob ?? DEFAULT_STOP_RULES;
  }

  stopping(): boolean {
    return this.stopError !== undefined || this.o.stop.signal !== undefined;
  }

  /**
   * Moves one run: reads its open tasks again, settles what changed since the plan, sends its calls. A probe
   * sends only its first call and returns the rest, to be sent once every probe has been answered.
   */
  async unit(move: JobMove, probe: boolean): Promise<PlannedCall[]> {
    const openNow = await runOpenTasks(this.o.client, move.sequence_id);
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
    try {
      await reassignTask(client, call.task_id, call.to, call.scope);
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
