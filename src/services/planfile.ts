import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { holdJob, holdLeaver, type JobLock } from './locks.js';
import type { ApiClient } from '../api/client.js';
import { getTask } from '../api/tasks.js';
import type { ApiKeyInfo, Task } from '../api/types.js';
import { isUuid } from '../basics/ids.js';
import { isoSeconds } from '../basics/time.js';
import type { JobSpec, RebalanceSpec, TaskFate, Workspace } from '../domain/job.js';
import {
  PLAN_FORMAT,
  PLAN_VERSION,
  holdersOf,
  movesOf,
  planTaskOf,
  reassignPlanOf,
  taskOf,
  type KeyRef,
  type PlanFile,
  type PlanKind,
  type PlanTask,
} from '../domain/planfile.js';
import { balanceOfPlan } from '../domain/rebalance.js';
import { isOpen } from '../domain/task.js';
import { EXIT, TopoError, UsageError } from '../errors.js';
import { runPool } from './bulk.js';
import type { JobWork } from './jobs/run.js';
import { writeReportFile } from './jobs/report.js';
import { jobSoFar } from './jobs/state.js';
import { Job } from './jobs/store.js';
import type { OffboardPlan } from './offboard/plan.js';
import { readRun } from './reassign.js';

/**
 * Plan files: written by `--plan-out` (every kind of job plans its tasks, this seals and writes them), read and
 * checked by `topo plan show` and `topo plan apply`, and turned into a job's work. A new kind of job plugs in
 * with its kind, its rules (a free object) and its tasks as PlanTask (where each is, where it goes).
 */

/** Plans older than this are refused by `plan apply` unless `--max-age` says more. */
export const DEFAULT_MAX_AGE_MS = 24 * 3600_000;

/** JSON with every object's keys sorted: the same plan always gives the same text, whatever the key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** SHA-256 over every field but the digest itself. */
export function digestOf(plan: Omit<PlanFile, 'digest'> | PlanFile): string {
  const { digest: _digest, ...body } = plan as PlanFile;
  return `sha256:${createHash('sha256').update(canonical(body)).digest('hex')}`;
}

export interface PlanInput {
  kind: PlanKind;
  rules: Record<string, unknown>;
  tasks: PlanTask[];
  needsApproval: boolean;
}

/** A plan sealed: where it applies and who made it (the key as `GET /v1/me` describes it), with its digest. */
export function sealPlan(input: PlanInput, o: { apiUrl: string; me: ApiKeyInfo; now: number }): PlanFile {
  const body: Omit<PlanFile, 'digest'> = {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    kind: input.kind,
    workspace: { api_url: o.apiUrl, organization_id: o.me.organization_id },
    planned_by: { key_id: o.me.id, key_name: o.me.name, at: isoSeconds(o.now) },
    needs_approval: input.needsApproval,
    rules: input.rules,
    tasks: input.tasks,
  };
  return { ...body, digest: digestOf(body) };
}

/** Written as a report is: a new file of mode 0600 renamed over the name. Returns why it failed, if it did. */
export function writePlanFile(path: string, plan: PlanFile): string | undefined {
  return writeReportFile(path, `${JSON.stringify(plan, null, 2)}\n`);
}

/**
 * Reads a plan file and checks it is one, unchanged since it was written: a file that is not a plan, or whose
 * digest does not match (edited by hand, cut short), is a usage error before any request.
 */
/** Why a file could not be read, in words. */
function readProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EISDIR: 'it is a folder',
    ENOTDIR: 'a part of the path is not a folder',
  };
  return (code && words[code]) ?? code ?? (error as Error).message;
}

export function readPlanFile(path: string): PlanFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read plan file '${path}': ${readProblem(error)}; nothing was moved`);
  }
  let data: unknown;
  try {
    // A byte-order mark an editor put in front when the file was saved (Notepad does) is not the plan's.
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    throw new UsageError(`${path} is not a topo plan file (not JSON); nothing was moved`);
  }
  const plan = data as PlanFile;
  if (!data || typeof data !== 'object' || plan.format !== PLAN_FORMAT)
    throw new UsageError(`${path} is not a topo plan file; nothing was moved`);
  if (plan.version !== PLAN_VERSION)
    throw new UsageError(
      `${path} is a plan of format version ${String(plan.version)}; this topo reads version ${PLAN_VERSION}: update topo, or plan again`,
    );
  if (typeof plan.digest !== 'string' || digestOf(plan) !== plan.digest)
    throw new UsageError(
      `${path} was changed after it was planned (its digest does not match); nothing was moved. Plan again with --plan-out`,
    );
  const problem = shapeProblem(plan);
  if (problem) throw new UsageError(`${path} is not a usable plan: ${problem}; nothing was moved`);
  return plan;
}

/** What a sealed plan must hold before anything of it is sent (a file made by other means may not). */
function shapeProblem(p: PlanFile): string | undefined {
  if (typeof p.kind !== 'string') return 'no kind';
  if (typeof p.workspace?.api_url !== 'string' || typeof p.workspace.organization_id !== 'string')
    return 'no workspace';
  if (typeof p.planned_by?.key_id !== 'string' || Number.isNaN(Date.parse(String(p.planned_by.at))))
    return 'no planning key or time';
  if (!Array.isArray(p.tasks)) return 'no tasks';
  const bad = p.tasks.find(
    (t) =>
      !isUuid(t?.task_id) ||
      !isUuid(t.sequence_id) ||
      !isUuid(t.after?.assignee_user_id) ||
      !(t.before?.assignee_user_id === null || isUuid(t.before?.assignee_user_id)) ||
      !['TASK', 'SEQUENCE'].includes(t.scope),
  );
  if (bad) return `a task that is not well formed (${String((bad as PlanTask | undefined)?.task_id)})`;
  return undefined;
}

/** The plan's age is within the limit (`--max-age`, 24 h by default): checked before any request. */
export function checkAge(plan: PlanFile, now: number, maxAgeMs: number, maxAgeGiven: boolean): void {
  const age = now - Date.parse(plan.planned_by.at);
  if (age <= maxAgeMs) return;
  throw new UsageError(
    `this plan was made ${Math.round(age / 3_600_000)} h ago (${plan.planned_by.at}), more than ${maxAgeGiven ? 'the --max-age given' : '24 hours'}: plan again, or pass a longer --max-age (e.g. --max-age ${Math.ceil(age / 86_400_000)}d) to apply it anyway; nothing was moved`,
  );
}

/**
 * The plan belongs here (the same API and organization), and, when it needs a second approver, the key
 * applying it is not the key that planned it.
 */
export function checkApplier(plan: PlanFile, workspace: Workspace, me: ApiKeyInfo, path: string): void {
  const here = `${workspace.api_url} (organization ${me.organization_id})`;
  const there = `${plan.workspace.api_url} (organization ${plan.workspace.organization_id})`;
  if (plan.workspace.api_url !== workspace.api_url || plan.workspace.organization_id !== me.organization_id)
    throw new UsageError(
      `this plan was made for another workspace: ${there}; this is ${here}. Apply it there (--api-url, --profile or --sandbox); nothing was moved`,
    );
  if (plan.needs_approval && plan.planned_by.key_id === me.id)
    throw new TopoError(
      `this plan needs a second approver, and it was planned with this same key ('${me.name}'): have someone else apply it with their key ('topo plan apply ${path}'), or use another key of this workspace (TOPO_API_KEY or --profile); nothing was moved`,
      EXIT.state,
    );
}

/** Where the job records what each planned task became: the applying key, and what the plan says. */
export function planSpec(plan: PlanFile, workspace: Workspace, applier: KeyRef): JobSpec {
  const holders = holdersOf(plan);
  const rules = plan.rules;
  const targets = [...new Set(plan.tasks.map((t) => t.after.assignee_user_id))];
  const ruleTo = Array.isArray(rules.to)
    ? (rules.to as { id?: unknown; weight?: unknown }[]).filter(
        (t): t is { id: string; weight: number } => isUuid(t?.id) && Number.isInteger(t.weight),
      )
    : [];
  return {
    ...workspace,
    from: holders.length === 1 ? holders[0]! : null,
    to: ruleTo.length > 0 ? ruleTo : targets.map((id) => ({ id, weight: 1 })),
    cap: typeof rules.cap === 'number' ? rules.cap : null,
    filters:
      rules.filters && typeof rules.filters === 'object' ? (rules.filters as Record<string, unknown>) : {},
    until: typeof rules.until === 'string' ? rules.until : null,
    ...(plan.kind === 'rebalance' && { rebalance: rebalanceSpecOf(plan) }),
    plan: {
      kind: plan.kind,
      digest: plan.digest,
      planned_by: plan.planned_by,
      applied_by: applier,
    },
  };
}

/** A rebalance plan's team as its job records it: listed as a rebalance (by `--jobs`, `status`), never swept. */
function rebalanceSpecOf(plan: PlanFile): RebalanceSpec {
  const r = plan.rules;
  const team = Array.isArray(r.team) ? r.team.filter(isUuid) : [];
  return {
    team:
      team.length > 0
        ? team
        : [
            ...new Set(
              plan.tasks.flatMap((t) => [t.before.assignee_user_id ?? '', t.after.assignee_user_id]),
            ),
          ].filter(isUuid),
    tolerance: typeof r.tolerance === 'number' ? r.tolerance : 0,
    include_active: r.include_active === true,
    started: plan.planned_by.at,
  };
}

/** The weights of a plan's successors, where its rules give them. */
export function weightsOf(plan: Pick<PlanFile, 'rules'>): Map<string, number> {
  const to = Array.isArray(plan.rules.to) ? (plan.rules.to as { id: string; weight: number }[]) : [];
  return new Map(to.filter((t) => typeof t?.weight === 'number').map((t) => [t.id, t.weight]));
}

/** A plan's job as earlier runs left it, and the work of this run. */
export interface PlanRun {
  work: JobWork;
  /** The job as earlier runs of the plan left it (undefined: never applied). */
  before: Job | undefined;
}

/**
 * A plan applied, as a job: each run of it read just before its calls, each task moved only where it is still
 * open and still with whom it was with when planned (the others skipped, with the reason). Run again, by any
 * key, the same plan resumes its job: what it moved before is counted, not moved again — calls an earlier run
 * left without an answer (a kill) are looked up first, and those the API shows landed count as moved.
 */
export async function planWork(
  plan: PlanFile,
  d: {
    client: ApiClient;
    stateDir: string;
    workspace: Workspace;
    applier: KeyRef;
    /** A person as topo shows them (the leaver, in a refusal). */
    who?: (id: string) => string;
    now: () => number;
    concurrency: number;
    /** Takes the job's lock before its journal is read: one run of a plan at a time. */
    lock?: JobLock | undefined;
  },
): Promise<PlanRun> {
  const spec = planSpec(plan, d.workspace, d.applier);
  if (d.lock) {
    if (spec.from) await holdLeaver(d.lock, spec.from, d.who?.(spec.from) ?? spec.from);
    await holdJob(d.lock, () => Job.idOf(d.stateDir, spec));
  }
  const before = Job.existing(d.stateDir, spec);
  const sofar = await jobSoFar(d.client, before, d.now, d.concurrency);
  const done = new Map(
    [...sofar.standing.values()].filter((r) => r.result === 'moved').map((r) => [r.task_id, r]),
  );
  const rest: PlanFile = { ...plan, tasks: plan.tasks.filter((t) => !done.has(t.task_id)) };
  const fates = new Map<string, TaskFate>(
    rest.tasks.map((t) => [
      t.task_id,
      {
        task: taskOf(t),
        from: t.before.assignee_user_id,
        to: t.after.assignee_user_id,
        result: 'not_started',
        reason: null,
      },
    ]),
  );
  const reassignPlan = reassignPlanOf(plan, weightsOf(plan));
  // A rebalance's report carries its team as planned: each member before and after.
  const team = plan.kind === 'rebalance' ? balanceOfPlan(plan.rules.balance, plan.tasks) : undefined;
  const work: JobWork = {
    kind: team ? 'rebalance' : 'reassign',
    ...(team && { team }),
    phase: 'move',
    spec,
    plan: reassignPlan,
    // A plan of whole runs (a rebalance) moves each run whole or not at all.
    moves: movesOf(rest).map((m) => (plan.rules.whole_runs === true ? { ...m, whole: true } : m)),
    fates,
    earlier: [...done.values()],
    reconciled: sofar.reconciled,
    planned: rest.tasks.length,
    openJournal: (observer) => {
      const job = Job.open(d.stateDir, spec, new Date(d.now()), (m) => observer.note(m));
      observer.opened(job);
      return job;
    },
    // The calls' answers say what moved (an unclear one is read back): what is left is what did not.
    left: async () =>
      [...fates.values()]
        .filter((f) => f.result === 'failed' || f.result === 'not_started')
        .map((f) => f.task.id),
    kept: [],
    blockedCheck: leaverOf(plan)
      ? (remaining) => ({
          leaver: leaverOf(plan)!,
          // The runs the whole plan moved task by task (they held other open tasks: earlier runs of it
          // included), and those of what is left; the runs earlier runs moved are looked at again.
          known: [
            ...new Set([
              ...plan.tasks.filter((t) => t.scope === 'TASK').map((t) => t.sequence_id),
              ...remaining.map((id) => fates.get(id)?.task.sequence_id).filter((r): r is string => !!r),
            ]),
          ],
          earlier: [...new Set([...done.values()].map((r) => r.sequence_id))],
        })
      : null,
  };
  return { work, before };
}

/** The leaver of an offboarding's or a cover's plan (a plan of task IDs or a rebalance has none). */
function leaverOf(plan: PlanFile): string | undefined {
  const from = plan.rules.from;
  return (plan.kind === 'offboard' || plan.kind === 'cover') && typeof from === 'string' ? from : undefined;
}

/** An offboarding's plan as a plan file's tasks: every task that moves, with where it goes. */
export function offboardTasks(p: OffboardPlan): PlanTask[] {
  return (
    p.plan.moves
      .filter((m) => m.to !== null)
      // A run moved task by task because it held other open tasks is written TASK; one holding nothing else,
      // SEQUENCE (a run of one task too: `plan show` tells the two apart as the dry run does).
      .flatMap((m) =>
        m.task_ids.map((id) => planTaskOf(p.tasks.get(id)!, m.to!, m.reason ? 'TASK' : 'SEQUENCE')),
      )
  );
}

/** Tasks that cannot go into a plan, and why: closed already, or already with whom they would go to. */
export interface LeftOut {
  id: string;
  reason: string;
}

/** Task IDs to one person: each read now; the open ones not already theirs go into the plan. */
export async function taskIdsTasks(
  client: ApiClient,
  ids: string[],
  to: string,
  concurrency: number,
): Promise<{ tasks: PlanTask[]; leftOut: LeftOut[] }> {
  const read = new Map<string, Task>();
  await runPool(ids, concurrency, async (id) => {
    read.set(id, await getTask(client, id));
  });
  return sortOut(
    ids.map((id) => read.get(id)!),
    to,
    () => 'TASK',
  );
}

/** One task's whole sequence run to one person: its open tasks now, whoever holds them. */
export async function sequenceTasks(
  client: ApiClient,
  id: string,
  to: string,
): Promise<{ tasks: PlanTask[]; leftOut: LeftOut[]; sequenceId: string }> {
  const view = await readRun(client, id);
  const holders = new Set(view.listed.map((t) => t.assignee_user_id));
  const scope = holders.size === 1 ? 'SEQUENCE' : 'TASK';
  return { ...sortOut(view.before, to, () => scope), sequenceId: view.task.sequence_id };
}

function sortOut(
  tasks: Task[],
  to: string,
  scope: () => PlanTask['scope'],
): { tasks: PlanTask[]; leftOut: LeftOut[] } {
  const planned: PlanTask[] = [];
  const leftOut: LeftOut[] = [];
  for (const t of tasks) {
    if (!isOpen(t))
      leftOut.push({ id: t.id, reason: `${t.status.toLowerCase()}: only open tasks are planned` });
    else if (t.assignee_user_id === to) leftOut.push({ id: t.id, reason: 'already with them' });
    else planned.push(planTaskOf(t, to, scope()));
  }
  return { tasks: planned, leftOut };
}
