import type { Task } from '../api/types.js';
import type { Signal } from '../errors.js';
import type { ReassignPlan, RunMove, SuccessorShare } from './plan.js';
import type { KeyRef, PlanKind } from './planfile.js';
import type { TeamBalance } from './rebalance.js';

/**
 * A job: a bulk reassignment with an id and a journal, run once or several times (resumed), undone or given
 * back. What its journal's lines hold, how each task fared, and the report of a run.
 */

export interface JobSpec {
  /** Where and as whom: the same command against another workspace is another job. */
  api_url: string;
  profile: string;
  /** Whose tasks move; null when a plan file moves several people's. */
  from: string | null;
  to: { id: string; weight: number }[];
  cap: number | null;
  filters: Record<string, unknown>;
  /** Temporary cover: the day the tasks go back (ISO). */
  until: string | null;
  /** A plan file applied: which plan, who planned it and when, who applied it (absent otherwise). */
  plan?: JobPlanRef;
  /** A rebalance of a team (its `from` is null: every member may give): what it was asked. */
  rebalance?: RebalanceSpec;
}

export interface JobPlanRef {
  kind: PlanKind;
  digest: string;
  planned_by: KeyRef & { at: string };
  applied_by: KeyRef;
}

export interface RebalanceSpec {
  team: string[];
  tolerance: number;
  include_active: boolean;
  /** When it was first run: each rebalance is a job of its own (a rerun of an unfinished one continues it). */
  started: string;
}

export interface JobHeader extends JobSpec {
  kind: 'job';
  id: string;
  created: string;
}

export type Phase = 'move' | 'undo' | 'return';

export interface MoveRecord {
  kind: 'move';
  phase: Phase;
  task_id: string;
  sequence_id: string;
  /** The task's type and priority, for a report of the whole job (absent in older journals). */
  type?: string;
  priority?: string;
  /** The assignee the task really had just before the call. */
  from: string | null;
  to: string;
  scope: 'TASK' | 'SEQUENCE';
  time: string;
  /** 'started' is written before the call: a run killed mid-call still leaves a record to check. */
  result: 'started' | 'moved' | 'failed';
  error?: string;
  request_id?: string;
  /** A 'started' call found landed by a later run (the API showed the task with `to`): moved, late. */
  reconciled?: boolean;
  /**
   * Not planned: a task created since the plan that a whole-run call took along with its run. `from` is the
   * holder a look before the call saw it with; with `from_unknown`, none did (`from` is then null).
   */
  taken?: boolean;
  from_unknown?: boolean;
}

export interface RunRecord {
  kind: 'run' | 'end';
  phase: Phase;
  time: string;
  /** A run of `tasks reassign --sweep`: the job's rules applied to what reached its leaver since. */
  sweep?: boolean;
  planned?: number;
  moved?: number;
  failed?: number;
  /** Tasks of the plan not moved (not started, failed, or kept by the cap). */
  left?: number;
  interrupted?: boolean;
  verified?: boolean;
  /** A move run's cap and successors with their weights (absent in older journals: the header's hold). */
  cap?: number | null;
  to?: { id: string; weight: number }[];
}

/** How much a job gives each successor: what a later run may change, the job staying the same. */
export type JobTerms = Pick<JobSpec, 'cap' | 'to'>;

/** What a run of an existing job asks differently from what the job holds. */
export interface JobChange {
  id: string;
  /** The cap and weights before, when this run changes them (they count the whole job). */
  was?: JobTerms;
  now?: JobTerms;
  /** A cover's end as its first run recorded (it stands), and the one this run's --until would have set. */
  until?: { kept: string; asked: string };
}

export type JournalLine = JobHeader | MoveRecord | RunRecord;

/** Where a job ran: the API it was sent to and the profile it ran as. */
export type Workspace = Pick<JobSpec, 'api_url' | 'profile'>;

/** A workspace in words, for notes: `profile 'default' at https://…`. */
export function describeWorkspace(w: Workspace): string {
  return `profile '${w.profile}' at ${w.api_url}`;
}

/** How one task fared in a run of a job, for the report. */
export interface TaskFate {
  task: Task;
  to: string | null;
  from: string | null;
  result: TaskLine['result'];
  reason: string | null;
}

export interface TaskLine {
  task_id: string;
  sequence_id: string;
  type: string;
  priority: string;
  from: string | null;
  to: string | null;
  result: 'moved' | 'failed' | 'not_started' | 'kept' | 'skipped' | 'would_move';
  reason: string | null;
}

/** What a job did (or would do): printed by --json (see JOB_REPORT_FIELDS), written by --report. */
export interface MoveReport {
  kind: 'reassign' | 'rebalance' | 'undo' | 'return';
  job: string | null;
  journal: string | null;
  from: string | null;
  to: SuccessorShare[];
  until: string | null;
  plan: Omit<ReassignPlan, 'moves' | 'successors' | 'kept'> | null;
  calls: number;
  /** Every task the job moved, earlier runs included (as `--jobs` counts them). */
  moved: number;
  /** Of those, the ones earlier runs of the job moved. */
  moved_before: number;
  failed: number;
  not_started: number;
  kept: number;
  skipped: { task_id: string; reason: string }[];
  /** What the leaver still holds after the job (within the filters, the cap's share aside); null: not verified. */
  remaining: string[] | null;
  /** Runs still waiting on a task that is unassigned or with the leaver; null: not checked. */
  blocked_runs: string[] | null;
  interrupted: boolean;
  dry_run: boolean;
  /** For a plan file applied: who planned it (and when) and who applied it; null otherwise. */
  planned_by: (KeyRef & { at: string }) | null;
  applied_by: KeyRef | null;
  tasks: TaskLine[];
  /** What the job cost: requests (retries included), 429s waited out, wall time, the rate the API accepted. */
  stats: {
    requests: number;
    retries: number;
    rate_limited: number;
    rate_limit_wait_ms: number;
    rate_limit: number | null;
    wall_ms: number;
  } | null;
  /** A rebalance: each member's load before and after, the spread, the moves of whole runs. */
  team?: TeamBalance;
}

/** `tasks reassign --jobs`: where each job stands. */
export interface JobRow {
  id: string;
  created: string;
  from: string | null;
  to: string[];
  moved: number;
  /** Not moved in the last run (failed or not started); null when that run never ended. */
  left: number | null;
  /** Moved back by an undo or a return. */
  back: number;
  until: string | null;
  state: string;
  journal: string;
  /** A plan file applied: the planning key and the applying key (null for other jobs). */
  planned_by: KeyRef | null;
  applied_by: KeyRef | null;
  /** 'offboard' (or a cover) or 'rebalance'. */
  kind: 'offboard' | 'rebalance';
  /** Tasks moved by sweeps (`--sweep`), and when the last sweep that moved any ran. */
  swept: number;
  swept_at: string | null;
}

/** One run's tasks to move in a job, and who holds them now (the leaver; for an undo, the successor). */
export interface JobMove extends RunMove {
  /** null: unassigned when planned (a plan file of task IDs may hold such tasks). */
  from: string | null;
}

/** Progress of a job's calls, as the person sees it: a bar on a terminal, a line every tenth otherwise. */
export interface ProgressSink {
  start(total: number): Promise<void>;
  update(p: { done: number; failed: number; waits: number }): void;
  stop(): void;
}

/** What a job's run tells the person while it goes (see output/jobs.ts for how each is said). */
export interface JobObserver {
  /** The journal is open: a new job, or more of one (the same command again). */
  opened(job: { id: string; path: string }): void;
  /** The journal's own notes: a torn last line set aside, a foreign file set aside. */
  note(message: string): void;
  /** A stop was asked for (Ctrl-C, SIGTERM): what it now cuts short. */
  stopping(signal: Signal, doing: string): void;
  progress: ProgressSink;
}
