import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { csvLines } from './csv.js';
import type { ReassignScope, Task } from '../api/types.js';
import type { Terminal } from '../terminal.js';
import { plural, safeText, typeLabel } from './format.js';
import { previewView, type PreviewItem } from './outcomes.js';
import type { Output } from './printer.js';
import type { Who } from './tasks.js';

/** How an offboarding looks: the plan, the preview, progress, the summary and the report for people. */

/** The leaver's tasks of one sequence run, and where they go. */
export interface RunMove {
  sequence_id: string;
  /** The tasks to move (the leaver's, within the filters). */
  task_ids: string[];
  /** The successor, or null when the run stays with the leaver (every successor at the cap). */
  to: string | null;
  /** SEQUENCE: the run's open tasks are all being moved, one call does it (after a check of the run). */
  scope: ReassignScope;
  /** Why a run is moved task by task, or stays. */
  reason: string | null;
}

export interface PlannedCall {
  scope: ReassignScope;
  /** The task named in the call. */
  task_id: string;
  sequence_id: string;
  from: string | null;
  to: string;
  /** Every task the call moves. */
  task_ids: string[];
}

export interface SuccessorShare {
  id: string;
  weight: number;
  runs: number;
  tasks: number;
  by_priority: Record<string, number>;
}

export interface ReassignPlan {
  tasks: number;
  runs: number;
  /** Upper bound of calls: one per whole run, one per task of a shared run. */
  calls: number;
  by_type: Record<string, number>;
  by_priority: Record<string, number>;
  moves: RunMove[];
  successors: SuccessorShare[];
  /** Tasks that stay with the leaver because of --cap. */
  kept: string[];
  /** What stays with the leaver (the cap), counted apart from what moves. */
  staying: {
    tasks: number;
    runs: number;
    by_type: Record<string, number>;
    by_priority: Record<string, number>;
  };
  /** Runs handled with one TASK call per task, and why. */
  task_by_task: { sequence_id: string; reason: string; task_ids: string[] }[];
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
  kind: 'reassign' | 'undo' | 'return';
  job: string | null;
  journal: string | null;
  from: string;
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
}

const counts = (rec: Record<string, number>, label: (k: string) => string) =>
  Object.entries(rec)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${label(k)} ${n}`)
    .join(', ') || '—';

/** The plan in words (stderr): what moves, to whom, by priority, in how many calls, and what stays. */
export function describePlan(
  plan: ReassignPlan,
  title: string,
  who: Who,
  short: boolean,
  /** What earlier runs of the job gave each successor: counted toward --cap and the weights. */
  given: ReadonlyMap<string, number> = new Map(),
): string {
  const num = (n: number) => n.toLocaleString('en-US');
  // A run that holds nothing else moves whole in one call (SEQUENCE, or TASK for a run of one task).
  const whole = plan.runs - plan.task_by_task.length;
  const oneByOne = plan.task_by_task.reduce((n, r) => n + r.task_ids.length, 0);
  const lines = [
    title,
    `  by type:       ${counts(plan.by_type, typeLabel)}`,
    `  by priority:   ${counts(plan.by_priority, (k) => safeText(k))}`,
    `  sequence runs: ${num(plan.runs)} (${num(whole)} moved whole in one call, ${num(plan.task_by_task.length)} task by task)`,
    `  API calls:     at most ${num(plan.calls)} (${plural(whole, 'whole run')} + ${plural(oneByOne, 'task')} one by one)`,
    '                 each run is read again just before its move',
  ];
  if (plan.successors.length > 1 || plan.kept.length > 0 || given.size > 0) {
    lines.push('  to each:');
    for (const s of plan.successors) {
      const earlier = given.get(s.id) ?? 0;
      lines.push(
        `    ${who(s.id)}${s.weight !== 1 ? ` (×${s.weight})` : ''}: ${plural(s.runs, 'run')}, ${plural(s.tasks, 'task')} (${counts(s.by_priority, (k) => safeText(k))})${earlier ? ` + ${earlier} from earlier runs` : ''}`,
      );
    }
  }
  if (plan.staying.tasks > 0)
    lines.push(
      `  staying:       ${plural(plan.staying.tasks, 'task')} in ${plural(plan.staying.runs, 'run')} (every successor is at --cap): ${counts(plan.staying.by_priority, (k) => safeText(k))}`,
    );
  if (plan.task_by_task.length > 0) {
    lines.push('  runs handled task by task, so nobody else’s work moves:');
    const shown = short ? plan.task_by_task.slice(0, 20) : plan.task_by_task;
    for (const run of shown)
      lines.push(`    ${run.sequence_id}  ${plural(run.task_ids.length, 'task')}: ${run.reason}`);
    if (shown.length < plan.task_by_task.length)
      lines.push(`    … and ${plan.task_by_task.length - shown.length} more (see --dry-run --json)`);
  }
  return `${lines.join('\n')}\n`;
}

/** A dry run's rows on stdout, in the shape of every preview (the target is the successor's UUID). */
export async function printMovePreview(
  output: Output,
  plan: ReassignPlan,
  tasks: Map<string, Task>,
  who: Who,
): Promise<void> {
  const items: PreviewItem[] = [];
  for (const move of plan.moves)
    for (const id of move.task_ids)
      items.push({
        id,
        result: move.to ? 'would_move' : 'kept',
        task: tasks.get(id) ?? null,
        error: null,
        target: move.to ?? '',
        why: move.to ? `would move to ${who(move.to)}` : 'stays (cap)',
      });
  await output.list(items, previewView(who, output.chalk()));
}

export async function printBackPreview(
  output: Output,
  back: { task: Task; to: string }[],
  who: Who,
): Promise<void> {
  const items: PreviewItem[] = back.map(({ task, to }) => ({
    id: task.id,
    result: 'would_move',
    task,
    error: null,
    target: to,
    why: `back to ${who(to)}`,
  }));
  await output.list(items, previewView(who, output.chalk()));
}

export interface Progress {
  update(done: number, failed: number): void;
  stop(): void;
}

/** Tasks done, rate, rate-limit waits and time left: a bar on a terminal, a line every tenth otherwise. */
export async function startProgress(
  terminal: Terminal,
  now: () => number,
  total: number,
  waits: () => number,
): Promise<Progress> {
  const started = now();
  const rate = (done: number) => done / Math.max(0.001, (now() - started) / 1000);
  const eta = (done: number) => {
    const r = rate(done);
    if (done === 0 || r === 0) return '…';
    return duration(((total - done) / r) * 1000);
  };
  if (terminal.showProgress) {
    const { SingleBar, Presets } = await import('cli-progress');
    const bar = new SingleBar(
      {
        stream: terminal.io.stderr as NodeJS.WriteStream,
        format:
          'Moving |{bar}| {value}/{total} tasks | {rate}/s | {failed} failed | 429s {waits} | ETA {left}',
        hideCursor: true,
        // Stopped, the bar clears its line and puts the cursor back at its start: a message written then
        // (Stopping…, a note, the summary) takes the bar's place, and the bar is drawn again below it.
        clearOnComplete: true,
      },
      Presets.shades_classic,
    );
    let value = 0;
    let payload: Record<string, unknown> = { rate: '0.0', failed: 0, waits: 0, left: '…' };
    let drawing = true;
    bar.start(total, value, payload);
    terminal.setLive({ clear: () => bar.stop(), redraw: () => drawing && bar.start(total, value, payload) });
    return {
      update: (done, failed) => {
        value = done;
        payload = { rate: rate(done).toFixed(1), failed, waits: waits(), left: eta(done) };
        if (drawing) bar.update(value, payload);
      },
      stop: () => {
        drawing = false;
        terminal.setLive(undefined);
        bar.stop();
      },
    };
  }
  let next = 1;
  return {
    update: (done, failed) => {
      const tenth = Math.floor((done / Math.max(1, total)) * 10);
      if (tenth < next) return;
      next = tenth + 1;
      terminal.err(
        `Progress: ${done}/${total} tasks, ${failed} failed, ${rate(done).toFixed(1)} tasks/s, ${waits()} rate-limit waits, ${eta(done)} left`,
      );
    },
    stop: () => undefined,
  };
}

export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** The closing lines (stderr): what moved and what is left, exactly; the cost; where the record is. */
export function summaryLines(r: MoveReport, who: Who): string[] {
  const lines: string[] = [];
  for (const t of r.tasks.filter((x) => x.result === 'failed'))
    lines.push(`✗ ${t.task_id}: ${safeText(t.reason ?? 'failed')}`);
  const verb = r.kind === 'reassign' ? 'moved' : r.kind === 'undo' ? 'moved back' : 'given back';
  // A resumed job counts as a whole, as --jobs and the report do.
  const before = r.moved_before
    ? ` (${(r.moved - r.moved_before).toLocaleString('en-US')} in this run, ${r.moved_before.toLocaleString('en-US')} before)`
    : '';
  const parts = [`${plural(r.moved, 'task')} ${verb}${before}`, `${r.failed} failed`];
  if (r.not_started) parts.push(`${r.not_started} not started`);
  if (r.kept) parts.push(`${r.kept} kept by ${who(r.from)} (--cap)`);
  if (r.skipped.length) parts.push(`${r.skipped.length} left alone (changed since)`);
  lines.push(`Done: ${parts.join(', ')}.`);
  if (r.remaining && r.remaining.length > 0 && r.kind === 'reassign')
    lines.push(
      `${plural(r.remaining.length, 'open task')} still with ${who(r.from)} (failed, or created meanwhile).`,
    );
  lines.push(...blockedLines(r, who));
  if (r.stats) {
    const s = r.stats;
    // The floor: the fastest the API's limit allows for this many requests.
    const floor = s.rate_limit ? (s.requests / s.rate_limit) * 1000 : undefined;
    const over = floor
      ? ` (${Math.max(0, Math.round((s.wall_ms / floor - 1) * 100))}% over the rate-limit floor of ${duration(floor)})`
      : '';
    lines.push(
      `Cost: ${plural(r.calls, 'call')}, ${plural(s.requests, 'request')}, ${plural(s.rate_limited, 'rate-limit wait')}, ${duration(s.wall_ms)}${over}.`,
    );
  }
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
      : `Job ${id}: undone; 'topo tasks reassign --jobs' shows where it stands.`;
  if (r.kind === 'return')
    return unfinished
      ? `Job ${id}: partly given back; run 'topo tasks reassign --return' again for the rest.`
      : `Job ${id}: given back; 'topo tasks reassign --jobs' shows where it stands.`;
  if (r.until)
    return `Job ${id}: a cover until ${r.until.replace(/T00:00:00Z$/, '')}; then give the tasks back with 'topo tasks reassign --return' (or undo it now with --undo ${id}).`;
  return `Job ${id}: undo with 'topo tasks reassign --undo ${id}'.`;
}

/**
 * `--report file`: CSV, or Markdown with a per-successor summary when the name ends in .md. No contact data;
 * text from the API made safe as on the terminal (CSV by the one CSV path, Markdown cell by cell).
 */
export function renderReport(path: string, r: MoveReport, who: Who, templates: Map<string, string>): string {
  const named = (id: string | null) => (id && who(id) !== id ? who(id) : '');
  const rows = r.tasks.map((t) => [
    t.task_id,
    t.from ?? '',
    t.to ?? '',
    named(t.from),
    named(t.to),
    t.sequence_id,
    templates.get(t.sequence_id) ?? '',
    t.type,
    t.priority,
    t.result,
    t.reason ?? '',
  ]);
  if (!path.endsWith('.md')) return csvLines([REPORT_COLUMNS, ...rows]);
  const cell = (v: unknown) => safeText(v).replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
  const table = (head: string[], body: unknown[][]) =>
    [
      `| ${head.join(' | ')} |`,
      `| ${head.map(() => '---').join(' | ')} |`,
      ...body.map((row) => `| ${row.map(cell).join(' | ')} |`),
    ].join('\n');
  const what = r.dry_run
    ? `Plan (dry run, nothing moved): ${plural(r.tasks.filter((t) => t.result === 'would_move').length, 'task')} would move, ${r.kept} kept.`
    : `${plural(r.moved, 'task')} moved, ${r.failed} failed, ${r.not_started} not started, ${r.kept} kept.`;
  return [
    `# ${r.kind === 'reassign' ? 'Offboarding' : r.kind === 'undo' ? 'Undo' : 'Return'} of ${cell(who(r.from))}${r.job ? ` (job ${r.job})` : ''}`,
    '',
    what,
    '',
    '## By successor',
    '',
    table(
      ['successor', 'weight', 'runs', 'tasks', 'HOT', 'TODAY', 'EXTRA'],
      r.to.map((s) => [
        who(s.id),
        s.weight,
        s.runs,
        s.tasks,
        s.by_priority.HOT ?? 0,
        s.by_priority.TODAY ?? 0,
        s.by_priority.EXTRA ?? 0,
      ]),
    ),
    '',
    '## Tasks',
    '',
    table(REPORT_COLUMNS, rows),
    '',
  ].join('\n');
}

/**
 * Writes a report through a new file, readable by the owner alone, renamed over the name given: never through
 * a symlink, never keeping an old file's mode.
 */
export function writeReportFile(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

/** Assignees by user UUID (the same in every profile), and by their alias here when they have one. */
const REPORT_COLUMNS = [
  'task_id',
  'old_assignee',
  'new_assignee',
  'old_assignee_name',
  'new_assignee_name',
  'sequence_run',
  'template',
  'type',
  'priority',
  'result',
  'reason',
];
