import { TASK_PRIORITIES, type Task } from '../api/types.js';
import { count, plural, safeText } from '../basics/text.js';
import type { PreviewItem } from '../domain/outcome.js';
import type { TeamBalance } from '../domain/rebalance.js';
import type { Who } from '../domain/task.js';
import { boxed } from './box.js';
import { previewView } from './outcomes.js';
import { hanging } from './thread.js';
import type { Output } from './printer.js';

/** How a rebalance reads: each member's load before and after, the moves from whom to whom, the spread. */

const oneDecimal = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));
const percent = (f: number) => `${Math.round(f * 100)}%`;

/** The plan in words (stderr); on a terminal the members as a box this wide, in a log a line each. */
export function describeBalance(
  b: TeamBalance,
  who: Who,
  box?: { width: number; styleHead: (text: string) => string },
): string {
  // On a terminal each line is wrapped to its width, hanging under its label; in a log a line stays one line.
  const width = box?.width ?? Infinity;
  const lines = [
    hanging(
      '',
      `Plan: rebalance ${plural(b.members.length, 'member')} (mean ${oneDecimal(b.mean)}; within ${percent(b.tolerance)}: ${oneDecimal(b.band.low)}–${oneDecimal(b.band.high)})`,
      width,
      '  ',
    ),
  ];
  lines.push(...(box ? memberBox(b, who, box) : memberLines(b, who)));
  if (b.moves.length > 0) {
    lines.push(
      hanging(
        '  moves:   ',
        `${plural(b.runs, 'whole run')}, ${plural(b.tasks, 'task')}, ${plural(b.calls, 'API call')}`,
        width,
      ),
    );
    for (const [pair, moves] of byPair(b)) {
      const tasks = moves.reduce((n, m) => n + m.task_ids.length, 0);
      // The runs by their priority, most urgent first (a priority topo does not know yet after the known ones).
      const byPriority = new Map<string, number>();
      for (const m of moves) byPriority.set(m.priority, (byPriority.get(m.priority) ?? 0) + 1);
      const rank = (p: string) => {
        const i = (TASK_PRIORITIES as readonly string[]).indexOf(p);
        return i < 0 ? TASK_PRIORITIES.length : i;
      };
      const classes = [...byPriority]
        .sort(([a], [b]) => rank(a) - rank(b))
        .map(([p, n]) => `${safeText(p)} ${n}`)
        .join(', ');
      lines.push(
        hanging(
          '    ',
          `${pairLabel(pair, who)}: ${plural(moves.length, 'run')} (${classes}), ${plural(tasks, 'task')}`,
          width,
          '      ',
        ),
      );
    }
  }
  lines.push(
    hanging(
      '  spread:  ',
      `${count(b.spread.before)} → ${count(b.spread.after)} (most − fewest); from the mean ${percent(b.widest.before)} → ${percent(b.widest.after)}`,
      width,
    ),
  );
  const held = [
    b.held.active && `${plural(b.held.active, 'run')} with a reply or a task in progress (--include-active)`,
    b.held.shared && `${plural(b.held.shared, 'run')} shared with someone else`,
    b.held.outside && `${plural(b.held.outside, 'run')} with open tasks outside the filters`,
  ].filter(Boolean);
  if (held.length) lines.push(hanging('  staying: ', held.join('; '), width));
  for (const m of b.members.filter((x) => x.away))
    lines.push(
      hanging(
        '  away:    ',
        `${who(m.id)} (cover job ${m.away!.job}${m.away!.until ? ` until ${m.away!.until.slice(0, 10)}` : ''}): receives nothing, not in the mean`,
        width,
      ),
    );
  if (!b.within && b.moves.length > 0)
    lines.push(
      hanging('  ', 'No further whole-run move narrows the gap: as even as whole runs allow.', width),
    );
  return `${lines.join('\n')}\n`;
}

/** The moves by donor and receiver: `gia → jon`. */
function byPair(b: TeamBalance): Map<string, TeamBalance['moves']> {
  return b.moves.reduce((pairs, m) => {
    const key = `${m.from} ${m.to}`;
    pairs.set(key, [...(pairs.get(key) ?? []), m]);
    return pairs;
  }, new Map<string, TeamBalance['moves']>());
}

function memberCells(b: TeamBalance, who: Who): string[][] {
  return b.members.map((m) => [
    who(m.id),
    count(m.before),
    m.gives ? `−${count(m.gives)}` : '',
    m.gets ? `+${count(m.gets)}` : '',
    count(m.after),
    m.away
      ? 'away: receives nothing'
      : within(b, m.after)
        ? 'within'
        : m.after > b.band.high
          ? 'above'
          : 'below',
  ]);
}

function within(b: TeamBalance, n: number): boolean {
  return n >= b.band.low - 1e-9 && n <= b.band.high + 1e-9;
}

function memberLines(b: TeamBalance, who: Who): string[] {
  return memberCells(b, who).map(
    ([name, before, gives, gets, after, where]) =>
      `    ${name}: ${before} → ${after}${moved(gives, gets)}, ${where}`,
  );
}

/** What a member gives and gets, in one parenthesis: ` (gives 4, gets 2)`, or nothing. */
function moved(gives = '', gets = ''): string {
  const parts = [gives && `gives ${gives.slice(1)}`, gets && `gets ${gets.slice(1)}`].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function memberBox(
  b: TeamBalance,
  who: Who,
  box: { width: number; styleHead: (text: string) => string },
): string[] {
  const text = boxed({
    head: ['member', 'before', 'gives', 'gets', 'after', 'band'],
    rows: memberCells(b, who),
    width: box.width - 4,
    shrink: [0, 5],
    right: [1, 2, 3, 4],
    styleHead: box.styleHead,
  });
  return text.split('\n').map((line) => `    ${line}`);
}

/** The moves with a name each: `gia → jon` (the pair keys of byPair are UUIDs). */
export function pairLabel(key: string, who: Who): string {
  const [from, to] = key.split(' ');
  return `${who(from ?? null)} → ${who(to ?? null)}`;
}

/** A dry run's rows on stdout, in the shape of every preview (the target is the receiver's UUID). */
export async function printBalancePreview(
  output: Output,
  b: TeamBalance,
  tasks: ReadonlyMap<string, Task>,
  who: Who,
): Promise<void> {
  const items: PreviewItem[] = b.moves.flatMap((m) =>
    m.task_ids.map((id) => ({
      id,
      result: 'would_move' as const,
      task: tasks.get(id) ?? null,
      error: null,
      target: m.to,
      why: `${who(m.from)} → ${who(m.to)}`,
    })),
  );
  await output.list(items, previewView(who, output.chalk()));
}
