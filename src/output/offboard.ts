import { boxed, stripAnsi } from './box.js';
import { csvLines } from './csv.js';
import type { Task } from '../api/types.js';
import type { MoveReport } from '../domain/job.js';
import type { ReassignPlan } from '../domain/plan.js';
import { typeLabel } from './format.js';
import { count, plural, safeText } from '../basics/text.js';
import { markdownText } from './markdown.js';
import { previewView } from './outcomes.js';
import { hanging } from './thread.js';
import { type PreviewItem } from '../domain/outcome.js';
import type { Output } from './printer.js';
import type { Who } from '../domain/task.js';
import { displayWidth } from './width.js';

/** How an offboarding looks: its plan in words, the preview of a dry run or an undo, the report file's text. */

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
  /** On a terminal: what each successor gets as a boxed table this wide (in a log: a line each). */
  box?: { width: number; styleHead: (text: string) => string },
): string {
  const num = count;
  const width = box?.width ?? Infinity;
  // A run that holds nothing else moves whole in one call (SEQUENCE, or TASK for a run of one task).
  const whole = plan.runs - plan.task_by_task.length;
  const oneByOne = plan.task_by_task.reduce((n, r) => n + r.task_ids.length, 0);
  const lines = [
    // A successor shown by UUID makes the title long: it wraps, the rest hanging under it.
    hanging('', title, width, '  '),
    // On a terminal the lists of counts wrap under their first value; in a log each stays one line.
    hanging('  by type:       ', counts(plan.by_type, typeLabel), width),
    hanging(
      '  by priority:   ',
      counts(plan.by_priority, (k) => safeText(k)),
      width,
    ),
    hanging(
      '  sequence runs: ',
      `${num(plan.runs)} (${num(whole)} moved whole in one call, ${num(plan.task_by_task.length)} task by task)`,
      width,
    ),
    hanging(
      '  API calls:     ',
      `at most ${num(plan.calls)} (${plural(whole, 'whole run')} + ${plural(oneByOne, 'task')} one by one)`,
      width,
    ),
    hanging('                 ', 'each batch of runs is looked at again just before its calls', width),
  ];
  if (plan.successors.length > 1 || plan.kept.length > 0 || given.size > 0) {
    lines.push('  to each:');
    lines.push(
      ...((box && successorBox(plan, who, given, box)) ??
        successorLines(plan, who, given).map((l) => hanging('    ', l.slice(4), width, '      '))),
    );
  }
  if (plan.staying.tasks > 0)
    lines.push(
      hanging(
        '  staying:       ',
        `${plural(plan.staying.tasks, 'task')} in ${plural(plan.staying.runs, 'run')} (every successor is at --cap): ${counts(plan.staying.by_priority, (k) => safeText(k))}`,
        width,
      ),
    );
  if (plan.task_by_task.length > 0) {
    lines.push('  runs handled task by task, so nobody else’s work moves:');
    const shown = short ? plan.task_by_task.slice(0, 20) : plan.task_by_task;
    for (const run of shown)
      lines.push(
        hanging(
          `    ${run.sequence_id}  `,
          `${plural(run.task_ids.length, 'task')}: ${run.reason}`,
          width,
          '      ',
        ),
      );
    if (shown.length < plan.task_by_task.length)
      lines.push(`    … and ${plan.task_by_task.length - shown.length} more (see --dry-run --json)`);
  }
  return `${lines.join('\n')}\n`;
}

/** What each successor gets, a line each: `bob (×2): 4 runs, 10 tasks (TODAY 8, HOT 2) + 3 from earlier runs`. */
function successorLines(plan: ReassignPlan, who: Who, given: ReadonlyMap<string, number>): string[] {
  return plan.successors.map((s) => {
    const earlier = given.get(s.id) ?? 0;
    return `    ${who(s.id)}${s.weight !== 1 ? ` (×${s.weight})` : ''}: ${plural(s.runs, 'run')}, ${plural(s.tasks, 'task')} (${counts(s.by_priority, (k) => safeText(k))})${earlier ? ` + ${earlier} from earlier runs` : ''}`;
  });
}

/**
 * The same, boxed (cli-table3): a column each, the successor's name giving way on a narrow terminal. Undefined
 * when the box would not fit the width or would wrap its cells (a narrow terminal): the lines read better then.
 */
function successorBox(
  plan: ReassignPlan,
  who: Who,
  given: ReadonlyMap<string, number>,
  box: { width: number; styleHead: (text: string) => string },
): string[] | undefined {
  const earlier = given.size > 0;
  const head = ['successor', 'weight', 'runs', 'tasks', 'by priority', ...(earlier ? ['earlier runs'] : [])];
  const rows = plan.successors.map((s) => [
    who(s.id),
    `×${s.weight}`,
    String(s.runs),
    String(s.tasks),
    counts(s.by_priority, (k) => safeText(k)),
    ...(earlier ? [String(given.get(s.id) ?? 0)] : []),
  ]);
  const text = boxed({
    head,
    rows,
    width: box.width - 4,
    shrink: [4, 0],
    wrap: true,
    right: [1, 2, 3, 5],
    styleHead: box.styleHead,
  });
  const drawn = text.split('\n');
  const fits = drawn.every((line) => displayWidth(stripAnsi(line)) <= box.width - 4);
  // A line a row and one for the head, between two borders: more means a cell was wrapped.
  if (!fits || drawn.length > rows.length + 3) return undefined;
  return drawn.map((line) => `    ${line}`);
}

/** A dry run's rows on stdout, in the shape of every preview (the target is the successor's UUID). */
export async function printMovePreview(
  output: Output,
  plan: ReassignPlan,
  tasks: Map<string, Task>,
  who: Who,
): Promise<void> {
  await printMovePreviews(output, [{ plan, tasks }], who);
}

/** Several plans' rows as one preview (a sweep's dry run: each job's plan in turn). */
export async function printMovePreviews(
  output: Output,
  plans: readonly { plan: ReassignPlan; tasks: Map<string, Task> }[],
  who: Who,
): Promise<void> {
  const items: PreviewItem[] = [];
  for (const { plan, tasks } of plans)
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
    // A plan file applied: the keys that planned and applied it, on every row (a CSV has no header lines);
    // empty for a job run at once, so that every job's report has the same columns.
    r.planned_by?.key_id ?? '',
    r.planned_by ? (r.applied_by?.key_id ?? '') : '',
  ]);
  if (!path.endsWith('.md')) return csvLines([REPORT_COLUMNS, ...rows]);
  // Markdown names the keys under its title; its table has their columns only when a plan was applied.
  const columns = r.planned_by ? REPORT_COLUMNS : REPORT_COLUMNS.slice(0, -2);
  const cell = markdownText;
  const table = (head: string[], body: unknown[][]) =>
    [
      `| ${head.join(' | ')} |`,
      `| ${head.map(() => '---').join(' | ')} |`,
      ...body.map((row) => `| ${row.map(cell).join(' | ')} |`),
    ].join('\n');
  const what = r.dry_run
    ? `Plan (dry run, nothing moved): ${plural(r.tasks.filter((t) => t.result === 'would_move').length, 'task')} would move, ${r.kept} kept.`
    : `${plural(r.moved, 'task')} moved, ${r.failed} failed, ${r.not_started} not started, ${r.kept} kept.`;
  const title = r.planned_by
    ? 'Plan applied'
    : r.kind === 'rebalance'
      ? `Rebalance of ${r.to.map((t) => cell(who(t.id))).join(', ')}`
      : `${r.kind === 'reassign' ? 'Offboarding' : r.kind === 'undo' ? 'Undo' : 'Return'} of ${cell(who(r.from))}`;
  const keys = r.planned_by
    ? [
        `Planned by key '${cell(r.planned_by.key_name)}' (${r.planned_by.key_id}) at ${r.planned_by.at}; applied by key '${cell(r.applied_by?.key_name ?? '')}' (${r.applied_by?.key_id ?? ''}).`,
        '',
      ]
    : [];
  return [
    `# ${title}${r.job ? ` (job ${r.job})` : ''}`,
    '',
    ...keys,
    what,
    '',
    ...(r.team
      ? [
          '## By member',
          '',
          table(
            ['member', 'before', 'gives', 'gets', 'after (planned)', 'away'],
            r.team.members.map((m) => [who(m.id), m.before, m.gives, m.gets, m.after, m.away ? 'yes' : '']),
          ),
        ]
      : [
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
        ]),
    '',
    '## Tasks',
    '',
    table(
      columns,
      rows.map((row) => row.slice(0, columns.length)),
    ),
    '',
  ].join('\n');
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
  'planned_by',
  'applied_by',
];
