import type { JobRow } from '../../domain/job.js';
import type { Job } from './store.js';

/** Where each job stands, for `tasks reassign --jobs`, status, sweeps and rebalances: read from its journal. */

/** Where each job stands: for `tasks reassign --jobs`. */
export function jobRows(jobs: Job[], now: number): JobRow[] {
  return jobs
    .filter((j) => j.header)
    .map((j) => {
      const h = j.header!;
      const moved = [...j.outcomes('move').values()].filter((r) => r.result === 'moved').length;
      const back = [...j.outcomes('undo').values(), ...j.outcomes('return').values()].filter(
        (r) => r.result === 'moved',
      ).length;
      // Where the job stands is where its last run (a move, an undo or a return) left it.
      const last = j.lastRun();
      const end = last?.kind === 'end' ? last : undefined;
      // The last run began and never ended (killed, a crash): what is left is not known until it runs again.
      const midRun = last?.kind === 'run';
      let state: string;
      if (midRun) state = 'stopped mid-run';
      // Stopped by Ctrl-C or SIGTERM with work left (stopped during the check, nothing was left: done).
      else if (end?.interrupted && (end.left ?? 0) > 0) state = 'interrupted';
      // A give-back with calls failed or not made is not over: `--return` again gives back the rest.
      else if (end?.phase === 'return') state = (end.left ?? 0) > 0 ? 'incomplete' : 'given back';
      else if (end?.phase === 'undo') state = back >= moved ? 'undone' : 'partly undone';
      else if ((end?.left ?? 0) > 0) state = 'incomplete';
      else if (h.until) state = Date.parse(h.until) <= now ? 'due for return' : 'covering';
      else state = 'done';
      return {
        id: h.id,
        created: h.created,
        from: h.from,
        to: h.to.map((t) => t.id),
        moved,
        left: midRun ? null : (end?.left ?? 0),
        back,
        until: h.until,
        state,
        journal: j.path,
        planned_by: h.plan
          ? { key_id: h.plan.planned_by.key_id, key_name: h.plan.planned_by.key_name }
          : null,
        applied_by: h.plan?.applied_by ?? null,
        kind: h.rebalance ? 'rebalance' : 'offboard',
        ...sweptOf(j),
      };
    });
}

/** What sweeps moved into a job: the moves of its runs marked as sweeps, and when the last of them ran. */
function sweptOf(job: Job): { swept: number; swept_at: string | null } {
  let sweeping = false;
  let swept = 0;
  let at: string | null = null;
  for (const line of job.lines) {
    if (line.kind === 'run' && line.phase === 'move') sweeping = line.sweep === true;
    else if (line.kind === 'end' && line.phase === 'move' && line.sweep) at = line.time;
    else if (line.kind === 'move' && line.phase === 'move' && sweeping && line.result === 'moved') swept++;
  }
  return { swept, swept_at: at };
}
