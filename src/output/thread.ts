import wrapAnsi from 'wrap-ansi';
import type { Message } from '../api/types.js';
import { makeChalk } from './color.js';
import { enumLabel, relativeTime } from './format.js';
import { safeText } from '../basics/text.js';
import { UUID_LIKE } from './table.js';
import { displayWidth, truncate, truncateMiddle } from './width.js';

export interface ThreadView {
  tty: boolean;
  color: boolean;
  width: number;
  now: number;
  names: Map<string, string>;
  /** Who inbound messages come from, when the contact is known ('contact' otherwise). */
  contact?: string;
  /**
   * On a terminal that shows links: the contact's name in an inbound message's header, linked to answer them
   * on the message's channel (their LinkedIn page, or an email).
   */
  contactLink?: (name: string, channel: string) => string;
}

/** The API does not promise an order: oldest first, keeping the API's order for equal times. */
export function oldestFirst(messages: Message[]): Message[] {
  return messages
    .map((m, i) => ({ m, i }))
    .sort((a, b) => (a.m.sent_at < b.m.sent_at ? -1 : a.m.sent_at > b.m.sent_at ? 1 : a.i - b.i))
    .map(({ m }) => m);
}

function sender(m: Message, view: ThreadView): string {
  if (m.direction === 'INBOUND') return view.contact ?? 'contact';
  if (!m.sender_id) return 'unknown sender';
  return view.names.get(m.sender_id) ?? m.sender_id;
}

/**
 * Text wrapped to the width under an indent: each line keeps its own leading spaces (quoted replies), its
 * wrapped parts start where it did, and no line ends in spaces (blank lines are empty).
 */
export function wrapIndented(text: string, width: number, indent: string): string {
  return text
    .split('\n')
    .flatMap((line) => {
      const own = /^[ \t]*/.exec(line)![0];
      const rest = line.slice(own.length).trimEnd();
      if (!rest) return [''];
      const lead = indent + own;
      const room = Math.max(10, width - lead.length);
      return wrapAnsi(rest, room, { hard: true, trim: true })
        .split('\n')
        .map((part) => `${lead}${part}`.trimEnd());
    })
    .join('\n');
}

/**
 * Text in a script written without spaces (Chinese, Japanese, Korean): it breaks between its characters, as it
 * reads. An id, an address or a URL is never in one, so it is never cut.
 */
const UNSPACED = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}]/u;

/**
 * A label and its text fitted to the width: the text wrapped between words, its lines after the first hanging
 * under where it started (`  by type:       call 3, email reply 2,` / `                 to-do 1`). Not fitted
 * (Infinity: a log, a pipe), it stays one line.
 */
export function hanging(
  label: string,
  text: string,
  width: number,
  indent = ' '.repeat(displayWidth(label)),
  /** False: words are never broken (a UUID, a URL), a longer one runs past the width. */
  hard = true,
): string {
  const line = `${label}${text}`;
  if (!Number.isFinite(width) || displayWidth(line) <= width) return line;
  // The lines after the first have the room beside the indent; the first has the label's width less, held by
  // a stand-in stuck to its first word and taken off after wrapping.
  const room = Math.max(20, width - indent.length);
  // A word that is never cut (a URL, a UUID) wider than the room beside the label, that fits a line of its own:
  // the value goes under the label, a little in from it.
  if (!hard && label.trim() !== '' && !UNSPACED.test(text)) {
    const longest = text.split(/\s+/).reduce((most, word) => Math.max(most, displayWidth(word)), 0);
    const under = ' '.repeat((/^ */.exec(label)?.[0].length ?? 0) + 2);
    if (longest > room && longest + under.length <= width)
      return `${label.trimEnd()}\n${hanging(under, text, width, under, false)}`;
  }
  const held = Math.max(0, Math.min(room - 10, displayWidth(label) - indent.length));
  const unspaced = UNSPACED.test(text);
  const parts = wrapAnsi(`${'x'.repeat(held)}${text}`, room, { hard: hard || unspaced, trim: true }).split(
    '\n',
  );
  return parts.map((part, i) => (i === 0 ? `${label}${part.slice(held)}` : `${indent}${part}`)).join('\n');
}

/** A conversation as text: coloured and wrapped on a terminal, a plain transcript when piped. */
export function renderThread(messages: Message[], view: ThreadView): string {
  const c = makeChalk(view.color);
  const width = Math.max(20, Math.min(view.width, 100));
  const parts: string[] = [];
  for (const m of messages) {
    const inbound = m.direction === 'INBOUND';
    const who = safeText(sender(m, view));
    const channel = enumLabel(m.channel);
    const direction = enumLabel(m.direction);
    const body = safeText(m.body, true);
    if (view.tty) {
      const arrow = inbound ? '←' : '→';
      const age = relativeTime(m.sent_at, view.now);
      const full = `${arrow} ${direction} · ${channel} · ${who} · ${safeText(m.sent_at)} (${age})`;
      // On a narrow terminal the exact time goes on a line of its own, under the header with the age.
      const lead = `${arrow} ${direction} · ${channel} · `;
      const room = view.width - displayWidth(`${lead} · ${age}`);
      const fits = displayWidth(full) <= view.width;
      const shown =
        fits || displayWidth(who) <= room
          ? who
          : UUID_LIKE.test(who)
            ? truncateMiddle(who, Math.max(9, room))
            : truncate(who, Math.max(6, room));
      // The name is linked once cut to its width: the text shown, and so the width, stay as they are.
      const linked = inbound && view.contactLink ? view.contactLink(shown, String(m.channel)) : shown;
      const head = `${lead}${linked}${fits ? ` · ${safeText(m.sent_at)} (${age})` : ` · ${age}`}`;
      const styled = inbound ? c.green.bold(head) : c.blue.bold(head);
      const lines = [styled];
      if (!fits) lines.push(c.dim(`  ${safeText(m.sent_at)}`));
      if (m.subject) lines.push(c.bold(`Subject: ${safeText(m.subject)}`));
      lines.push('', wrapIndented(body, width, '  '));
      parts.push(lines.join('\n'));
    } else {
      const lines = [`--- ${direction} ${channel} from ${who} at ${safeText(m.sent_at)}`];
      if (m.subject) lines.push(`Subject: ${safeText(m.subject)}`);
      lines.push('', body);
      parts.push(lines.join('\n'));
    }
  }
  return `${parts.join('\n\n')}\n`;
}
