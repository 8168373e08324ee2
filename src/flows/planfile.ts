import type { Context } from '../context.js';
import { getMe } from '../api/tasks.js';
import type { PlanFile, PlanKind, PlanTask } from '../domain/planfile.js';
import { reassignPlanOf } from '../domain/planfile.js';
import { whoFrom, type Who } from '../domain/task.js';
import { plural, safeText } from '../basics/text.js';
import { PartialFailureError, TopoError, UsageError } from '../errors.js';
import { makeChalk } from '../output/color.js';
import { describePlan } from '../output/offboard.js';
import { describeBalance } from '../output/rebalance.js';
import { balanceOfPlan } from '../domain/rebalance.js';
import { planHeaderLines, planTitle, printPlanTasks } from '../output/planfile.js';
import { preflight } from '../services/jobs/runs.js';
import { planOffboarding, type OffboardOptions } from '../services/offboard/plan.js';
import {
  checkAge,
  checkApplier,
  offboardTasks,
  planWork,
  readPlanFile,
  sealPlan,
  sequenceTasks,
  taskIdsTasks,
  weightsOf,
  writePlanFile,
  type LeftOut,
} from '../services/planfile.js';
import { confirm } from './confirm.js';
import { confirmCount, jobLock, reconciledNotes, runWork, writeReport } from './job.js';

/**
 * Plans as files: `--plan-out` (the plan written, nothing moved), `topo plan show` and `topo plan apply` (the
 * checks, who planned it, the confirmation, then the job's common course).
 */

/** Kinds whose confirmation is the task count typed, as an offboarding's is. */
const LARGE_KINDS: readonly string[] = ['offboard', 'cover', 'rebalance'];

async function stateDir(ctx: Context): Promise<string> {
  return (await import('../config/paths.js')).stateDir(ctx.session.env);
}

/** The plan on stderr: who made it and where, then what moves as an offboarding's plan reads. */
function describe(ctx: Context, plan: PlanFile, path: string, who: Who, read = true, body = true): void {
  const { terminal } = ctx;
  for (const line of planHeaderLines(plan, path, ctx.now(), read)) terminal.err(line);
  if (plan.tasks.length === 0 || !body) return;
  const c = makeChalk(terminal.stderrColor);
  const box = terminal.stderrIsTTY
    ? { width: terminal.columns, styleHead: (h: string) => c.bold(h) }
    : undefined;
  // A rebalance carries its team's balance: each member before and after, the spread, what stays.
  const balance = plan.kind === 'rebalance' ? balanceOfPlan(plan.rules.balance, plan.tasks) : undefined;
  if (balance) {
    terminal.err(describeBalance(balance, who, box).trimEnd());
    return;
  }
  const reassign = reassignPlanOf(plan, weightsOf(plan));
  terminal.err(
    describePlan(reassign, planTitle(plan, who), who, terminal.stderrIsTTY, new Map(), box).trimEnd(),
  );
}

/**
 * Any kind's plan written to a file: sealed with the workspace, the planning key and the time. Nothing moves.
 * `--json` prints the file's content on stdout.
 */
export async function writePlanOut(
  ctx: Context,
  o: {
    path: string;
    kind: PlanKind;
    rules: Record<string, unknown>;
    tasks: PlanTask[];
    leftOut: LeftOut[];
    needsApproval: boolean;
  },
): Promise<void> {
  const { terminal } = ctx;
  const client = await ctx.session.api();
  const who = whoFrom(await ctx.people.names());
  for (const l of o.leftOut) terminal.err(`note: ${l.id} is not in the plan: ${l.reason}`);
  if (o.tasks.length === 0) {
    terminal.err('Nothing to plan: no open task would move. No file was written.');
    return;
  }
  const [me, workspace] = await Promise.all([getMe(client), ctx.session.workspace()]);
  const plan = sealPlan(
    { kind: o.kind, rules: o.rules, tasks: o.tasks, needsApproval: o.needsApproval },
    { apiUrl: workspace.api_url, me, now: ctx.now() },
  );
  describe(ctx, plan, o.path, who, false);
  const reason = writePlanFile(o.path, plan);
  if (reason)
    throw new TopoError(`the plan could not be written to ${o.path} (${reason}); nothing was moved`);
  if (ctx.output.format === 'json') await ctx.output.json(plan);
  terminal.err(
    `Plan written to ${o.path}: ${plural(plan.tasks.length, 'task')}; nothing was moved. Look at it with 'topo plan show ${o.path}', apply it with 'topo plan apply ${o.path}'${o.needsApproval ? ' (with another key than this one)' : ''}.`,
  );
}

/** `tasks reassign --from … --to … --plan-out FILE`: the offboarding (or cover) planned, as a file. */
export async function offboardPlanOut(
  ctx: Context,
  o: Omit<OffboardOptions, 'dryRun'> & { path: string; needsApproval: boolean },
): Promise<void> {
  const client = await ctx.session.api();
  const who = whoFrom(await ctx.people.names());
  const p = await planOffboarding(
    { client, now: ctx.now, who, stateDir: await stateDir(ctx), workspace: await ctx.session.workspace() },
    { ...o, dryRun: true },
  );
  if (p.plan.kept.length > 0)
    ctx.terminal.err(
      `note: ${plural(p.plan.kept.length, 'task')} stay with ${who(o.from)} (--cap): not in the plan.`,
    );
  await writePlanOut(ctx, {
    path: o.path,
    kind: o.until ? 'cover' : 'offboard',
    rules: {
      from: o.from,
      to: o.successors.map((s) => ({ id: s.id, weight: s.weight })),
      cap: o.cap ?? null,
      filters: { ...o.filters },
      until: o.until ?? null,
    },
    tasks: offboardTasks(p),
    leftOut: [],
    needsApproval: o.needsApproval,
  });
}

/** `tasks reassign ID… --to X [--scope sequence] --plan-out FILE`: the tasks as they are now, planned. */
export async function taskIdsPlanOut(
  ctx: Context,
  o: {
    ids: string[];
    to: string;
    scope: 'task' | 'sequence';
    concurrency: number;
    path: string;
    needsApproval: boolean;
  },
): Promise<void> {
  const client = await ctx.session.api();
  if (o.scope === 'sequence') {
    const s = await sequenceTasks(client, o.ids[0]!, o.to);
    await writePlanOut(ctx, {
      path: o.path,
      kind: 'reassign_sequence',
      rules: { to: o.to, scope: 'sequence', task_id: o.ids[0], sequence_id: s.sequenceId },
      tasks: s.tasks,
      leftOut: s.leftOut,
      needsApproval: o.needsApproval,
    });
    return;
  }
  const t = await taskIdsTasks(client, o.ids, o.to, o.concurrency);
  await writePlanOut(ctx, {
    path: o.path,
    kind: 'reassign',
    rules: { to: o.to, scope: 'task', task_ids: o.ids },
    tasks: t.tasks,
    leftOut: t.leftOut,
    needsApproval: o.needsApproval,
  });
}

/** `topo plan show FILE`: checked (an edited file is refused), then shown as a preview; `--json` the file. */
export async function showPlan(ctx: Context, path: string): Promise<void> {
  const plan = readPlanFile(path);
  if (ctx.output.format === 'json') {
    await ctx.output.json(plan);
    return;
  }
  const who = whoFrom(await ctx.people.names());
  describe(ctx, plan, path, who);
  await printPlanTasks(ctx.output, plan, who);
}

/**
 * `topo plan apply FILE`: the file checked (digest, age) before any request, then the workspace and the key,
 * the plan shown with who made it, the confirmation, and the job: each task moved only where it is still as
 * planned.
 */
export async function applyPlan(
  ctx: Context,
  o: {
    path: string;
    yes: boolean;
    maxAgeMs: number;
    maxAgeGiven: boolean;
    concurrency: number;
    report: string | undefined;
  },
): Promise<void> {
  const { terminal } = ctx;
  // The file first (there, readable, a plan, unchanged, not too old), then whether anyone can be asked.
  const plan = readPlanFile(o.path);
  checkAge(plan, ctx.now(), o.maxAgeMs, o.maxAgeGiven);
  if (!o.yes && !terminal.canPrompt)
    throw new UsageError(
      `applying a plan needs confirmation, but there is no terminal to ask: pass --yes (look at it first with 'topo plan show ${o.path}')`,
    );
  const began = ctx.now();
  const client = await ctx.session.api();
  const [me, workspace] = await Promise.all([preflight(client), ctx.session.workspace()]);
  checkApplier(plan, workspace, me, o.path);
  const who = whoFrom(await ctx.people.names());
  const state = await stateDir(ctx);
  const { work, before } = await planWork(plan, {
    client,
    stateDir: state,
    workspace,
    applier: { key_id: me.id, key_name: me.name },
    who,
    now: ctx.now,
    concurrency: o.concurrency,
    lock: await jobLock(ctx),
  });
  // The plan as it reads; applied whole already, only who planned it and when.
  describe(ctx, plan, o.path, who, true, work.planned > 0);
  const first = before?.header?.plan?.applied_by;
  if (first && first.key_id !== me.id)
    terminal.err(
      `note: key '${safeText(first.key_name)}' began applying this plan; key '${safeText(me.name)}' goes on with its job (${before!.id}).`,
    );
  for (const line of reconciledNotes(work.reconciled, 'plan')) terminal.err(line);
  if (work.earlier.length > 0)
    terminal.err(
      `note: ${plural(work.earlier.length, 'task')} of this plan moved in an earlier run of it${work.planned > 0 ? '; the rest is applied' : ''}.`,
    );
  if (work.planned === 0) {
    terminal.err('Nothing of this plan is left to move.');
    // Its job, stopped before, ends here (with what an earlier run left unanswered and the API shows landed).
    let job = before;
    if (before) {
      const { closeIdleJob } = await import('../services/jobs/run.js');
      const closed = closeIdleJob(state, work, ctx.now, (m) => terminal.err(`note: ${m}`));
      job = closed.job;
      if (closed.ended) terminal.err(`Job ${before.id}: nothing left to move; recorded as ended.`);
    }
    // The report of the whole job, as a rerun of an offboarding gives it: what earlier runs moved.
    const { buildReport } = await import('../services/jobs/report.js');
    const report = buildReport({ ...work, dryRun: false, ...(job && { job }) });
    const unwritten = o.report ? await writeReport(ctx, client, o.report, report, who, undefined) : undefined;
    if (ctx.output.format === 'json') await ctx.output.json(report);
    if (unwritten) throw new PartialFailureError(unwritten);
    return;
  }
  const asked = ctx.now();
  const question = `Apply this plan of ${plural(work.planned, 'task')}, made by key '${plan.planned_by.key_name}'?`;
  if (LARGE_KINDS.includes(plan.kind) || work.planned > 20)
    await confirmCount(ctx, o.yes, work.planned, question);
  else await confirm(terminal, o, question);
  await runWork(ctx, client, work, {
    who,
    started: began + (ctx.now() - asked),
    concurrency: o.concurrency,
    report: o.report,
  });
}
