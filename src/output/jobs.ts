import type { ChalkInstance } from 'chalk';
import type { JobChange, JobRow, JobTerms, MoveReport } from '../domain/job.js';
import { count, plural } from '../basics/text.js';
import { formatDuration } from '../basics/time.js';
import { relativeTime } from './format.js';
import type { ListView } from './printer.js';
import type { FitStep } from './table.js';
import type { Who } from '../domain/task.js';
import { safeText } from '../basics/text.js';

/**
 * Jobs as people read them: `tasks reassign --jobs` (every job, what it moved, what is left, where it stands),
 * and what a run of a job says on stderr as it ends.
 */

/**
 * How the table narrows: the names give way first (people and keys are cut), then when each job started, the
 * cover's end date, when the last sweep ran (SWEPT keeps its count) and who planned and applied; the id, the
 * counts and the state stay — at 60 columns too, names cut to four. Only a state longer than 12 (`partly
 * undone`, `due for return`, `stopped mid-run`) beside SWEPT at 60 makes BACK, then SWEPT, give way, so that
 * the state is never cut.
 */
const JOBS_FIT: readonly FitStep[] = [
  { column: 'BY', shrink: 16 },
  { column: 'TO', shrink: 12 },
  { column: 'FROM', shrink: 10 },
  { column: 'TO', shrink: 8 },
  { column: 'FROM', shrink: 8 },
  { column: 'STARTED', drop: true },
  { column: 'TO', shrink: 6 },
  { column: 'FROM', shrink: 6 },
  { column: 'UNTIL', drop: true },
  { column: 'SWEPT', narrow: true },
  { column: 'BY', drop: true },
  { column: 'TO', shrink: 4 },
  { column: 'FROM', shrink: 4 },
  { column: 'BACK', drop: true },
  { column: 'SWEPT', drop: true },
];

/**
 * Columns shown only when a job needs them: `swept`, some job was swept (SWEPT); `byColumn`, some job is a plan
 * file applied, so the table shows who planned and who applied (BY).
 */
export function jobsView(
  who: Who,
  c: ChalkInstance,
  now: number,
  { swept = false, byColumn = false }: { swept?: boolean; byColumn?: boolean } = {},
): ListView<JobRow> {
  return {
    fields: [
      { name: 'id', value: (r) => r.id },
      { name: 'created', value: (r) => r.created },
      { name: 'from', value: (r) => r.from },
      { name: 'to', value: (r) => r.to.join(',') },
      { name: 'moved', value: (r) => r.moved },
      { name: 'left', value: (r) => r.left },
      { name: 'back', value: (r) => r.back },
      { name: 'until', value: (r) => r.until },
      { name: 'state', value: (r) => r.state },
      { name: 'planned_by', value: (r) => r.planned_by?.key_id ?? null },
      { name: 'applied_by', value: (r) => r.applied_by?.key_id ?? null },
      { name: 'kind', value: (r) => r.kind },
      { name: 'swept', value: (r) => r.swept },
      { name: 'swept_at', value: (r) => r.swept_at },
    ],
    table: {
      columns: [
        { header: 'JOB', cell: (r) => r.id },
        { header: 'STARTED', cell: (r) => relativeTime(r.created, now), style: (_r, s) => c.dim(s) },
        {
          header: 'FROM',
          cell: (r) => (r.kind === 'rebalance' ? 'rebalance of' : who(r.from)),
          cut: 'person',
        },
        { header: 'TO', cell: (r) => r.to.map((id) => who(id)).join(', '), cut: 'person' },
        { header: 'MOVED', cell: (r) => String(r.moved) },
        { header: 'LEFT', cell: (r) => (r.left === null ? '?' : String(r.left)) },
        { header: 'BACK', cell: (r) => String(r.back) },
        ...(swept
          ? [
              {
                header: 'SWEPT',
                cell: (r: JobRow) =>
                  r.swept_at ? `${r.swept} ${relativeTime(r.swept_at, now)}` : String(r.swept),
                narrow: (r: JobRow) => String(r.swept),
              },
            ]
          : []),
        { header: 'UNTIL', cell: (r) => r.until?.slice(0, 10) ?? '' },
        {
          header: 'STATE',
          cell: (r) => r.state,
          style: (r, s) => (r.state === 'done' ? c.green(s) : r.state === 'due for return' ? c.yellow(s) : s),
        },
        // A plan file applied: the key that planned it, and the key that applied it.
        ...(byColumn
          ? [
              {
                header: 'BY',
                cell: (r: JobRow) =>
                  r.planned_by
                    ? `${safeText(r.planned_by.key_name)} → ${safeText(r.applied_by?.key_name ?? '')}`
                    : '',
              },
            ]
          : []),
      ],
      fit: JOBS_FIT,
    },
    json: (r) => r,
  };
}

/** The closing lines (stderr): what moved and what is left, exactly; the cost; where the record is. */
/** How many of the tasks left alone the summary names (all are in --json and --report). */
const SKIPPED_SHOWN = 10;

export function summaryLines(r: MoveReport, who: Who): string[] {
  const lines: string[] = [];
  for (const t of r.tasks.filter((x) => x.result === 'failed'))
    lines.push(`✗ ${t.task_id}: ${safeText(t.reason ?? 'failed')}`);
  // What was left alone, and why (changed hands or closed since the plan): the first few, the rest counted.
  for (const t of r.skipped.slice(0, SKIPPED_SHOWN))
    lines.push(`– ${t.task_id}: left alone (${safeText(t.reason || 'changed since')})`);
  if (r.skipped.length > SKIPPED_SHOWN)
    lines.push(
      `– and ${count(r.skipped.length - SKIPPED_SHOWN)} more left alone: --json and --report list them.`,
    );
  const verb =
    r.kind === 'reassign' || r.kind === 'rebalance'
      ? 'moved'
      : r.kind === 'undo'
        ? 'moved back'
        : 'given back';
  // A resumed job counts as a whole, as --jobs and the report do.
  const before = r.moved_before
    ? ` (${count(r.moved - r.moved_before)} in this run, ${count(r.moved_before)} before)`
    : '';
  const parts = [`${plural(r.moved, 'task')} ${verb}${before}`, `${r.failed} failed`];
  if (r.not_started) parts.push(`${r.not_started} not started`);
  if (r.kept) parts.push(`${r.kept} kept by ${who(r.from)} (--cap)`);
  if (r.skipped.length) parts.push(`${r.skipped.length} left alone (changed since)`);
  // A run a Ctrl-C or SIGTERM stopped with calls not made is not done: what it did, said as such.
  lines.push(`${r.interrupted && r.not_started > 0 ? 'Stopped' : 'Done'}: ${parts.join(', ')}.`);
  if (r.remaining && r.remaining.length > 0 && r.kind === 'reassign')
    lines.push(
      `${plural(r.remaining.length, 'open task')} still with ${who(r.from)} (failed, or created meanwhile).`,
    );
  lines.push(...blockedLines(r, who));
  if (r.stats) {
    const s = r.stats;
    // The floors: the fastest the API's limit allows for this many requests, and for the calls alone.
    const floor = s.rate_limit ? (s.requests / s.rate_limit) * 1000 : undefined;
    const calls = s.rate_limit ? (r.calls / s.rate_limit) * 1000 : undefined;
    const pct = (f: number) => `${Math.max(0, Math.round((s.wall_ms / f - 1) * 100))}%`;
    const over =
      floor && calls
        ? ` (${pct(floor)} over the rate-limit floor of ${formatDuration(floor)}, ${pct(calls)} over the ${formatDuration(calls)} its calls alone take)`
        : '';
    lines.push(
      `Cost: ${plural(r.calls, 'call')}, ${plural(s.requests, 'request')}, ${plural(s.rate_limited, 'rate-limit wait')}, ${formatDuration(s.wall_ms)}${over}.`,
    );
  }
  if (r.planned_by && r.applied_by)
    lines.push(
      `Planned by key '${safeText(r.planned_by.key_name)}' at ${r.planned_by.at}; applied by key '${safeText(r.applied_by.key_name)}'.`,
    );
  if (r.job) lines.push(`${jobHint(r)} Journal: ${r.journal}`);
  return lines;
}

/** The runs still waiting for a task that is unassigned or still with the leaver, if any. */
export function blockedLines(r: MoveReport, who: Who): string[] {
  if (!r.blocked_runs || r.blocked_runs.length === 0) return [];
  return [
    `${plural(r.blocked_runs.length, 'sequence run')} still waiting for a task that is unassigned or with ${who(r.from)}:`,
    ...r.blocked_runs.slice(0, 10).map((id) => `  ${id}`),
    ...(r.blocked_runs.length > 10 ? [`  … and ${r.blocked_runs.length - 10} more (see --json)`] : []),
  ];
}

/** What can be done next with the job, by its kind: undo a move, give back a cover, finish an undo. */
function jobHint(r: MoveReport): string {
  const id = r.job!;
  const unfinished = r.failed + r.not_started > 0;
  if (r.kind === 'undo')
    return unfinished
      ? `Job ${id}: partly undone; run 'topo tasks reassign --undo ${id}' again for the rest.`
      : r.skipped.length > 0
        ? `Job ${id}: partly undone: ${plural(r.skipped.length, 'task')} left alone (changed since) stay${r.skipped.length === 1 ? 's' : ''} where ${r.skipped.length === 1 ? 'it is' : 'they are'}; 'topo tasks reassign --jobs' shows where it stands.`
        : `Job ${id}: undone; 'topo tasks reassign --jobs' shows where it stands.`;
  if (r.kind === 'return')
    return unfinished
      ? `Job ${id}: partly given back; run 'topo tasks reassign --return' again for the rest.`
      : `Job ${id}: given back; 'topo tasks reassign --jobs' shows where it stands.`;
  // Nothing of the job moved (every call failed, or it stopped before the first): nothing to undo yet.
  if (r.moved === 0 && unfinished) return `Job ${id}: nothing moved yet; the same command runs it again.`;
  if (r.until)
    return `Job ${id}: a cover until ${r.until.replace(/T00:00:00Z$/, '')}; then give the tasks back with 'topo tasks reassign --return' (or undo it now with --undo ${id}).`;
  return `Job ${id}: undo with 'topo tasks reassign --undo ${id}'.`;
}

/** What an undo or a return will do, before it asks: how many go back, and each task it leaves alone. */
export function undoPlanLines(
  u: {
    job: { id: string };
    back: unknown[];
    leftAlone: { task_id: string; reason: string }[];
    /** Moved back by an earlier undo or return of the job (counted with this one's). */
    alreadyBack?: number;
  },
  phase: 'undo' | 'return',
  short: boolean,
): string[] {
  const verb = phase === 'undo' ? 'Undo' : 'Give back';
  const { leftAlone } = u;
  const already = u.alreadyBack ? `; ${u.alreadyBack} already back` : '';
  const lines = [
    `${verb} job ${u.job.id}: ${plural(u.back.length, 'task')} to move back${already}${leftAlone.length ? `; ${leftAlone.length} left alone:` : '.'}`,
  ];
  const shown = short ? leftAlone.slice(0, 20) : leftAlone;
  for (const l of shown) lines.push(`  ${l.task_id}  ${l.reason}`);
  if (shown.length < leftAlone.length)
    lines.push(`  … and ${leftAlone.length - shown.length} more (see --json)`);
  return lines;
}

/** An undo or a return with nothing to move back: all is back already, or what is left changed since. */
export function nothingBackLine(
  phase: 'undo' | 'return',
  moved: number,
  alreadyBack: number,
  leftAlone: number,
): string {
  return alreadyBack === moved && moved > 0
    ? `Nothing to ${phase}: all ${plural(moved, 'recorded task')} are already back.`
    : `Nothing to ${phase}: ${alreadyBack} already back, ${leftAlone - alreadyBack} changed since.`;
}

/**
 * A run of an existing job that asks for another cap, other weights or another end: the job goes on with the
 * new cap and weights over the whole job (what earlier runs gave counts); a cover keeps its first end.
 */
export function jobChangeLines(change: JobChange, who: Who): string[] {
  const lines: string[] = [];
  if (change.was && change.now) {
    const terms = (t: JobTerms) =>
      `${t.cap === null ? 'no cap' : `--cap ${t.cap}`}, ${t.to.map((x) => `${who(x.id)}=${x.weight}`).join(',')}`;
    lines.push(
      `note: job ${change.id} (the same leaver and successors) goes on with ${terms(change.now)}; its earlier runs had ${terms(change.was)}. The cap and the weights count what the whole job moved; to start over instead, undo it first (--undo ${change.id}).`,
    );
  }
  if (change.until)
    lines.push(
      `note: job ${change.id} is a cover until ${change.until.kept}, as its first run set; this --until (${change.until.asked}) does not change it. To end it sooner or later, give it back (--return) or undo it.`,
    );
  return lines;
}
