import type { ChalkInstance } from 'chalk';
import type { Message, Task } from '../api/types.js';
import { enumLabel, relativeTime, typeLabel } from './format.js';
import { safeText } from '../basics/text.js';
import { NO_LINKS, type Links } from './links.js';
import { displayWidth, padEnd } from './width.js';
import { hanging, wrapIndented } from './thread.js';
import { contactName, priorityStyle, runStatusLabel, statusStyle, templateLabel } from './tasks.js';
import { type Related } from '../domain/task.js';

/** The task to do now, as a rep reads it: who, how to reach them, which campaign, what they said last. */

export interface CardView {
  chalk: ChalkInstance;
  now: number;
  width: number;
  /** Whose queue (null: the unassigned tasks), and how long it is. */
  owner: string | null;
  open: number;
  /** On a terminal that shows them: the phone, email and LinkedIn URL as links. */
  links?: Links;
}

export function renderCard(
  task: Task,
  related: Related,
  lastInbound: Message | undefined,
  v: CardView,
): string {
  const c = v.chalk;
  const head = [
    c.bold(typeLabel(task.type)),
    priorityStyle(c, String(task.priority))(safeText(task.priority)),
    statusStyle(c, String(task.status))(enumLabel(task.status)),
  ].join(' · ');
  const whose = v.owner === null ? 'unassigned' : `for ${safeText(v.owner)}`;
  // On a narrow terminal the rest hangs under the type: `Next unassigned: email reply · TODAY ·` / `in progress`.
  const lines = [
    hanging(`${c.bold('Next')} ${whose}: `, `${head}  ${c.dim(`(${v.open}\u00a0open)`)}`, v.width),
    '',
  ];
  const p = related.contact;
  if (p === null) lines.push(`  ${c.dim('contact deleted')}`);
  else if (p) {
    const role = [p.job_title, p.company_name]
      .filter(Boolean)
      .map((x) => safeText(x))
      .join(', ');
    // Narrow, the role hangs under the name: `  Mateo Ferreira — Head of Sales` / `    Development, Tidewater`.
    lines.push(hanging('  ', `${c.bold(contactName(p))}${role ? ` — ${role}` : ''}`, v.width, '    ', false));
  }
  const link = v.links ?? NO_LINKS;
  const rows: [string, string][] = [];
  if (p?.phone_number) rows.push(['Phone', link.phone(safeText(p.phone_number), p.phone_number)]);
  if (p?.email) rows.push(['Email', link.email(safeText(p.email), p.email)]);
  if (p?.linkedin_url) rows.push(['LinkedIn', link.web(safeText(p.linkedin_url), p.linkedin_url)]);
  if (related.template)
    rows.push([
      'Campaign',
      `${templateLabel(related.template)}${related.run ? c.dim(` ·\u00a0${runStatusLabel(String(related.run.status))}`) : ''}`,
    ]);
  // `· created 2mo ago` is not split (no-break spaces): narrow, it moves under the id whole.
  const created = `· created ${relativeTime(task.created_at, v.now)}`.replaceAll(' ', '\u00a0');
  rows.push(['Task', `${safeText(task.id)} ${c.dim(created)}`]);
  // Each value hangs beside its label when it does not fit; a UUID, an address or a URL is never cut.
  const labelWidth = Math.max(...rows.map(([label]) => displayWidth(label)));
  for (const [label, value] of rows)
    lines.push(hanging(`  ${c.bold(padEnd(label, labelWidth))}  `, value, v.width, undefined, false));
  if (lastInbound) {
    const who = p ? safeText(p.first_name ?? contactName(p)) : 'the contact';
    const body = safeText(lastInbound.body, true).trim().split('\n').slice(0, 6).join('\n');
    lines.push('', `  ${c.dim(`Last from ${who}, ${relativeTime(lastInbound.sent_at, v.now)}:`)}`);
    lines.push(wrapIndented(body, Math.max(24, Math.min(v.width, 100)), '    '));
  }
  return `${lines.join('\n')}\n`;
}

/** The newest message the contact sent, if any. */
export function lastInbound(messages: Message[]): Message | undefined {
  return messages
    .filter((m) => m.direction === 'INBOUND')
    .reduce<Message | undefined>((last, m) => (!last || m.sent_at >= last.sent_at ? m : last), undefined);
}
