import type { Context } from '../context.js';
import { describeWorkspace } from '../domain/job.js';
import { whoFrom } from '../domain/task.js';
import { plural } from '../basics/text.js';

/**
 * `tasks reassign --jobs`: the jobs of this workspace (API URL and profile), with a note for the journals that
 * cannot be read and for the jobs of other workspaces, and when the last sweep ran.
 */
export async function listJobs(ctx: Context): Promise<void> {
  const [{ stateDir }, { jobsView }, jobs, { jobRows }] = await Promise.all([
    import('../config/paths.js'),
    import('../output/jobs.js'),
    import('../services/jobs/store.js'),
    import('../services/jobs/rows.js'),
  ]);
  // The jobs of this workspace (API URL and profile): `last` and --return pick among these too.
  const workspace = await ctx.session.workspace();
  // A journal that cannot be read is named and left out; the others are listed.
  const problems: string[] = [];
  const all = jobs.Job.all(stateDir(ctx.session.env), problems).filter((j) => j.header);
  for (const problem of problems) ctx.terminal.err(`note: ${problem}`);
  const here = all.filter((j) => jobs.inWorkspace(j, workspace));
  const rows = jobRows(here, ctx.now());
  if (rows.length === 0 && ctx.terminal.stderrIsTTY) ctx.terminal.err('No jobs yet in this workspace.');
  const { lastSweep } = await import('../services/offboard/sweep.js');
  const last = lastSweep(stateDir(ctx.session.env), workspace);
  if (last) ctx.terminal.err(`Last sweep: ${last.time} (${plural(last.moved, 'task')} moved).`);
  const elsewhere = new Map<string, number>();
  for (const j of all)
    if (!here.includes(j)) {
      const where = describeWorkspace(j.header!);
      elsewhere.set(where, (elsewhere.get(where) ?? 0) + 1);
    }
  if (elsewhere.size > 0) {
    const others = all.length - here.length;
    ctx.terminal.err(
      `note: ${plural(others, 'job')} of other workspaces not shown: ${[...elsewhere].map(([w, n]) => `${n} of ${w}`).join(', ')} (see them with --profile, --api-url or --sandbox).`,
    );
  }
  const byColumn = rows.some((r) => r.planned_by);
  const swept = rows.some((r) => r.swept_at !== null);
  await ctx.output.list(
    rows,
    jobsView(whoFrom(await ctx.people.names()), ctx.output.chalk(), ctx.now(), { swept, byColumn }),
  );
}
