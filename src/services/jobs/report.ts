import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ApiClient } from '../../api/client.js';
import type { JobSpec, MoveRecord, MoveReport, TaskFate, TaskLine } from '../../domain/job.js';
import type { ReassignPlan, SuccessorShare } from '../../domain/plan.js';
import { Enricher } from '../enrich.js';
import type { Stop } from './stop.js';
import type { Job } from './store.js';

/**
 * What a job did (or would do), as one report: printed by `--json`, written by `--report` (the text is made
 * by output/jobs.ts; the file is written here). It covers the whole job: what earlier runs moved is counted.
 */

export interface ReportInput {
  kind: MoveReport['kind'];
  spec: JobSpec;
  plan: ReassignPlan | null;
  fates: Map<string, TaskFate>;
  dryRun: boolean;
  job?: Job;
  calls?: number;
  remaining?: string[] | null;
  blocked?: string[] | null;
  interrupted?: boolean;
  stats?: MoveReport['stats'];
  /** What earlier runs of the job moved (and this run did not plan again). */
  earlier?: MoveRecord[];
  /** A rebalance's loads and moves. */
  team?: MoveReport['team'];
}

export function buildReport(r: ReportInput): MoveReport {
  const fates = [...r.fates.values()];
  const earlier = r.earlier ?? [];
  const n = (x: TaskFate['result']) => fates.filter((f) => f.result === x).length;
  return {
    kind: r.kind,
    job: r.job?.id ?? null,
    journal: r.job?.path ?? null,
    from: r.spec.from,
    to: shares(r, earlier),
    until: r.spec.until,
    plan: r.plan ? planSummary(r.plan) : null,
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
    planned_by: r.spec.plan?.planned_by ?? null,
    applied_by: r.spec.plan?.applied_by ?? null,
    tasks: [...earlier.map(earlierLine), ...fates.map((f) => fateLine(f, r.dryRun))],
    stats: r.stats ?? null,
    ...(r.team && { team: r.team }),
  };
}

function planSummary(plan: ReassignPlan): MoveReport['plan'] {
  const { tasks, runs, calls, by_type, by_priority, staying, task_by_task } = plan;
  return { tasks, runs, calls, by_type, by_priority, staying, task_by_task };
}

/** What each successor got or gets: this run's plan, and what earlier runs of the job gave them. */
function shares(r: ReportInput, earlier: MoveRecord[]): SuccessorShare[] {
  const base = r.plan
    ? r.plan.successors
    : r.spec.to.map((t) => ({ ...t, runs: 0, tasks: 0, by_priority: {} }));
  return base.map((share) => {
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
}

function earlierLine(e: MoveRecord): TaskLine {
  return {
    task_id: e.task_id,
    sequence_id: e.sequence_id,
    type: e.type ?? '',
    priority: e.priority ?? '',
    from: e.from,
    to: e.to,
    result: 'moved',
    reason: 'in an earlier run',
  };
}

function fateLine(f: TaskFate, dryRun: boolean): TaskLine {
  return {
    task_id: f.task.id,
    sequence_id: f.task.sequence_id,
    type: f.task.type,
    priority: f.task.priority,
    from: f.from,
    to: f.to,
    result: dryRun && f.result === 'not_started' ? 'would_move' : f.result,
    reason: f.reason,
  };
}

/** How long the campaign names are still looked up for after a Ctrl-C or SIGTERM. */
export const NAMES_AFTER_STOP_MS = 5000;

/**
 * Each run's campaign name, for the report file. After a stop (Ctrl-C, SIGTERM) they are still looked up, for a
 * few seconds at most: undefined when that was not enough (the lookups are let go, and the report is written
 * without them).
 */
export async function campaignNames(
  client: ApiClient,
  runIds: string[],
  stop: Stop | undefined,
  notice: ConstructorParameters<typeof Enricher>[1],
): Promise<Map<string, string> | undefined> {
  const lookup = async () => {
    const runs = await new Enricher(client, notice).ofRuns(runIds, true);
    return new Map([...runs].map(([id, r]) => [id, r.template?.name ?? '']));
  };
  if (!stop) return lookup();
  stop.doing = `looking up the report's campaign names (${NAMES_AFTER_STOP_MS / 1000} s at most)`;
  const looking = lookup().then((value) => ({ value }));
  looking.catch(() => undefined);
  const names = await Promise.race([looking, stop.grace(NAMES_AFTER_STOP_MS).then(() => undefined)]).catch(
    () => ({ value: new Map<string, string>() }),
  );
  if (!names) client.abandon();
  return names?.value;
}

/**
 * Writes a report through a new file, readable by the owner alone, renamed over the name given: never through
 * a symlink, never keeping an old file's mode (an atomic writer that follows symlinks would write through one).
 * Returns the reason it could not be written, if it could not.
 */
export function writeReportFile(path: string, text: string): string | undefined {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
    renameSync(tmp, path);
    return undefined;
  } catch (error) {
    rmSync(tmp, { force: true });
    return error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error);
  }
}
