import type { ChalkInstance } from 'chalk';
import wrapAnsi from 'wrap-ansi';
import type { Counts, JobNote, RepStatus, TeamStatus } from '../domain/status.js';
import { enumLabel, relativeTime, typeLabel } from './format.js';
import { plural, safeText } from '../basics/text.js';
import { boxed } from './box.js';
import { NO_LINKS, type Links } from './links.js';
import type { FitStep, TableColumn } from './table.js';
import { contactName, priorityStyle, taskJson } from './tasks.js';
import type { Who } from '../domain/task.js';
import { displayWidth, padEnd, truncate } from './width.js';

/**
 * `topo status`: a rep's view and a team's, as text (coloured and fitted on a terminal, plain when piped) or
 * as one JSON object of a documented, stable shape.
 */

export interface StatusView {
  chalk: ChalkInstance;
  who: Who;
  now: number;
  /** Columns of the terminal; Infinity when piped (nothing is cut). */
  width: number;
  links?: Links;
}

/** The fields of a rep's view in JSON, in order (`--json a,b` picks among them). */
export const REP_STATUS_FIELDS = [
  'assignee_user_id',
  'alias',
  'open',
  'pending',
  'in_progress',
  'by_priority',
  'by_type',
  'replies_waiting',
  'oldest_hot',
  'next',
] as const;

/** The fields of a team's view in JSON, in order. */
export const TEAM_STATUS_FIELDS = [
  'team',
  'spread',
  'covers_due',
  'unfinished_jobs',
  'reached_leavers',
] as const;

/** A person's alias for JSON: null when there is none (the UUID stands for itself). */
function aliasOf(who: Who, id: string): string | null {
  const name = who(id);
  return name === id ? null : name;
}

export function repStatusJson(s: RepStatus, who: Who): Record<string, unknown> {
  return {
    assignee_user_id: s.assignee,
    alias: aliasOf(who, s.assignee),
    open: s.open,
    pending: s.pending,
    in_progress: s.inProgress,
    by_priority: s.byPriority,
    by_type: s.byType,
    replies_waiting: s.repliesWaiting,
    oldest_hot: s.oldestHot,
    // As `topo tasks next --with contact --json` prints it: the task and its contact (null when unknown).
    next: s.next && taskJson({ task: s.next, related: { contact: s.nextContact ?? null } }, ['contact']),
  };
}

export function teamStatusJson(s: TeamStatus, who: Who): Record<string, unknown> {
  const job = (j: JobNote) => ({
    id: j.id,
    from: j.from,
    to: j.to,
    state: j.state,
    until: j.until,
    ended_at: j.endedAt,
  });
  return {
    team: s.members.map((m) => ({
      user_id: m.userId,
      alias: aliasOf(who, m.userId),
      open: m.open,
      pending: m.pending,
      in_progress: m.inProgress,
      by_priority: m.byPriority,
    })),
    spread: s.spread,
    covers_due: s.coversDue.map(job),
    unfinished_jobs: s.unfinished.map(job),
    reached_leavers: s.reached.map((r) => ({ job: job(r.job), open_tasks: r.tasks })),
  };
}

/** Text with the text it shows (to measure and cut) beside how it is drawn (colour, links). */
interface Piece {
  plain: string;
  drawn: string;
}

const piece = (plain: string, draw: (s: string) => string = (s) => s): Piece => ({
  plain,
  drawn: draw(plain),
});

/** `Label   value` lines; a value too long for the width goes on under itself, broken between its items. */
function labelledLines(rows: [string, Piece[] | Piece][], v: StatusView): string[] {
  const c = v.chalk;
  const labelWidth = Math.max(...rows.map(([label]) => displayWidth(label)));
  const room = Math.max(10, v.width - labelWidth - 2);
  const lines: string[] = [];
  for (const [label, value] of rows) {
    const items = Array.isArray(value) ? value : [value];
    const packed: Piece[] = [];
    for (const item of items) {
      const last = packed.at(-1);
      if (last && displayWidth(`${last.plain} · ${item.plain}`) <= room)
        packed[packed.length - 1] = {
          plain: `${last.plain} · ${item.plain}`,
          drawn: `${last.drawn} · ${item.drawn}`,
        };
      else packed.push(item);
    }
    // A single item wider than the room (a job's line) is wrapped; the next task's line is fitted before.
    const drawn = packed.flatMap((line) =>
      displayWidth(line.plain) <= room
        ? [line.drawn]
        : wrapAnsi(line.drawn, room, { hard: true, trim: true }).split('\n'),
    );
    drawn.forEach((line, i) =>
      lines.push(`${i === 0 ? c.bold(padEnd(label, labelWidth)) : ' '.repeat(labelWidth)}  ${line}`),
    );
  }
  return lines;
}

/** `HOT 6`, `TODAY 22`, …: every known value, and `other` when the API holds values topo does not know. */
function countPieces(
  counts: Counts,
  label: (key: string) => string,
  style?: (key: string) => (s: string) => string,
  skipZero = false,
): Piece[] {
  return Object.entries(counts)
    .filter(([key, n]) => n > 0 || (key !== 'other' && !skipZero))
    .map(([key, n]) => {
      const name = key === 'other' ? 'other' : label(key);
      return { plain: `${name} ${n}`, drawn: `${style && key !== 'other' ? style(key)(name) : name} ${n}` };
    });
}

export function renderRepStatus(s: RepStatus, v: StatusView): string {
  const c = v.chalk;
  const name = safeText(v.who(s.assignee));
  const title = `${c.bold(name)}: ${plural(s.open, 'open task')}, ${s.inProgress} in progress`;
  const replies = (s.repliesWaiting.EMAIL_REPLY ?? 0) + (s.repliesWaiting.LINKEDIN_REPLY ?? 0);
  const hot = s.oldestHot;
  const rows: [string, Piece[] | Piece][] = [
    [
      'Priority',
      countPieces(
        s.byPriority,
        (k) => safeText(k),
        (k) => priorityStyle(c, k),
      ),
    ],
    ['Type', s.open ? countPieces(s.byType, typeLabel, undefined, true) : piece('—')],
    [
      'Replies',
      piece(
        `${replies} waiting${replies ? ` (${s.repliesWaiting.EMAIL_REPLY} email, ${s.repliesWaiting.LINKEDIN_REPLY} LinkedIn)` : ''}`,
      ),
    ],
    [
      'Oldest HOT',
      hot
        ? piece(`${relativeTime(hot.created_at, v.now)} (${typeLabel(hot.type)}, ${enumLabel(hot.status)})`)
        : piece('none'),
    ],
  ];
  const labelWidth = Math.max(...[...rows.map(([label]) => label), 'Next'].map(displayWidth));
  rows.push(['Next', nextLine(s, v, v.width - labelWidth - 2)]);
  return `${fitTitle(title, v.width)}\n\n${labelledLines(rows, v).join('\n')}\n`;
}

/** A title line wrapped to the width (a person shown by UUID makes it long). */
function fitTitle(title: string, width: number): string {
  return Number.isFinite(width) ? wrapAnsi(title, width, { hard: true, trim: true }) : title;
}

/**
 * The next task on one line: type, priority, status, then the contact's name, company and phone. On a narrow
 * terminal the status, the company, then the name give way; the phone stays whole (it is what is dialled).
 */
function nextLine(s: RepStatus, v: StatusView, room: number): Piece {
  const task = s.next;
  if (!task) return piece('nothing to do');
  const c = v.chalk;
  const link = v.links ?? NO_LINKS;
  const head = (withStatus: boolean): Piece[] => [
    piece(typeLabel(task.type)),
    piece(safeText(task.priority), priorityStyle(c, String(task.priority))),
    ...(withStatus ? [piece(enumLabel(task.status))] : []),
  ];
  const p = s.nextContact;
  const phone = p?.phone_number
    ? piece(safeText(p.phone_number), (t) => link.phone(t, p.phone_number))
    : undefined;
  const company = p?.company_name ? piece(safeText(p.company_name)) : undefined;
  const name = p === null ? 'contact deleted' : p ? contactName(p) : undefined;
  const join = (parts: Piece[]): Piece => ({
    plain: parts.map((x) => x.plain).join(' · '),
    drawn: parts.map((x) => x.drawn).join(' · '),
  });
  const line = (h: Piece[], who: Piece | undefined, rest: (Piece | undefined)[]): Piece => {
    const left = join(h);
    const right = [who, ...rest].filter((x): x is Piece => x !== undefined);
    if (right.length === 0) return left;
    const r = join(right);
    return { plain: `${left.plain} — ${r.plain}`, drawn: `${left.drawn} — ${r.drawn}` };
  };
  const named = (text: string) => piece(text, p ? (t) => c.bold(t) : (t) => c.dim(t));
  const candidates = [
    line(head(true), name === undefined ? undefined : named(name), [company, phone]),
    line(head(true), name === undefined ? undefined : named(name), [phone]),
    line(head(false), name === undefined ? undefined : named(name), [phone]),
  ];
  const fitting = candidates.find((x) => displayWidth(x.plain) <= room);
  if (fitting) return fitting;
  // The name is cut to the room left beside the rest, and dropped when too little is left.
  const without = line(head(false), undefined, [phone]);
  const left = room - displayWidth(without.plain) - 3;
  if (name !== undefined && left >= 4) return line(head(false), named(truncate(name, left)), [phone]);
  if (displayWidth(without.plain) <= room) return without;
  // Narrower still, the type gives way, then the priority: the phone stays whole (and a link), never cut.
  if (!phone) return piece(truncate(without.plain, room));
  const priorityAndPhone = line([head(false)[1]!], undefined, [phone]);
  return displayWidth(priorityAndPhone.plain) <= room ? priorityAndPhone : phone;
}

/** The members' table: open tasks by priority, and in progress. */
const TEAM_FIT: readonly FitStep[] = [
  { column: 'MEMBER', shrink: 12 },
  { column: 'IN PROGRESS', toValues: true },
  { column: 'MEMBER', shrink: 6 },
];

export async function renderTeamStatus(s: TeamStatus, v: StatusView): Promise<string> {
  const c = v.chalk;
  const { renderTable } = await import('./table.js');
  type Member = TeamStatus['members'][number];
  const open = s.members.reduce((sum, m) => sum + m.open, 0);
  const inProgress = s.members.reduce((sum, m) => sum + m.inProgress, 0);
  const count = (key: string) => (m: Member) => String(m.byPriority[key] ?? 0);
  const others = s.members.some((m) => (m.byPriority.other ?? 0) > 0);
  const columns: TableColumn<Member>[] = [
    { header: 'MEMBER', cell: (m) => safeText(v.who(m.userId)), cut: 'person' },
    { header: 'OPEN', cell: (m) => String(m.open) },
    { header: 'HOT', cell: count('HOT'), style: (_m, t) => priorityStyle(c, 'HOT')(t) },
    { header: 'TODAY', cell: count('TODAY') },
    { header: 'EXTRA', cell: count('EXTRA') },
    ...(others ? [{ header: 'OTHER', cell: count('other') }] : []),
    { header: 'IN PROGRESS', cell: (m) => String(m.inProgress) },
  ];
  // A team is a handful of people named on the command line: boxed by cli-table3 on a terminal; piped, the
  // plain aligned table (a line a member, for grep and awk).
  const table = Number.isFinite(v.width)
    ? `${boxed({
        head: columns.map((col) => col.header),
        rows: s.members.map((m) =>
          columns.map((col) => {
            const text = col.cell(m);
            return col.style ? col.style(m, text) : text;
          }),
        ),
        width: v.width,
        shrink: [0],
        right: columns.map((_, i) => i).filter((i) => i > 0),
        styleHead: (h) => c.bold(h),
      })}\n`
    : renderTable(columns, s.members, v.width, TEAM_FIT, (h) => c.bold(h));
  const moved = (j: JobNote) =>
    `${safeText(v.who(j.from))} → ${j.to.map((id) => safeText(v.who(id))).join(', ')}`;
  const rows: [string, Piece[] | Piece][] = [
    [
      'Spread',
      piece(
        s.members.length
          ? `${s.spread.fewest} to ${s.spread.most} open tasks a member (${s.spread.most - s.spread.fewest} apart)`
          : '—',
      ),
    ],
  ];
  // Each job on a line of its own, then what to do about them, once.
  const notes = (label: string, lines: string[], hint: string) => {
    if (lines.length === 0) rows.push([label, piece('none')]);
    lines.forEach((line, i) => rows.push([i === 0 ? label : '', piece(line)]));
    if (lines.length) rows.push(['', piece(hint, (t) => c.dim(t))]);
  };
  notes(
    'Covers due',
    s.coversDue.map(
      (j) => `${moved(j)}, until ${(j.until ?? '').slice(0, 16).replace('T', ' ')} (job ${j.id})`,
    ),
    "give them back: 'topo tasks reassign --return'",
  );
  notes(
    'Unfinished',
    s.unfinished.map((j) => `${moved(j)}: ${j.state} (job ${j.id})`),
    "run each job's command again to finish it",
  );
  notes(
    'Reached',
    s.reached.map(
      (r) =>
        `${safeText(v.who(r.job.from))}: ${plural(r.tasks, 'open task')} since job ${r.job.id}${r.job.endedAt ? ` ended ${relativeTime(r.job.endedAt, v.now)}` : ''}`,
    ),
    'what a sweep of each job would move now',
  );
  const title = `${c.bold('Team')}: ${plural(s.members.length, 'member')}, ${plural(open, 'open task')}, ${inProgress} in progress`;
  return `${title}\n\n${table}\n${labelledLines(rows, v).join('\n')}\n`;
}
