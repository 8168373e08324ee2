import {
  appendFileSync,
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  openSync,
  readFileSync,
  type Stats,
} from 'node:fs';
import type { JobHeader, JournalLine, MoveRecord } from '../../domain/job.js';
import { createRequire } from 'node:module';
import type WriteFileAtomic from 'write-file-atomic';
import { UsageError } from '../../errors.js';
import { isUuid } from '../../basics/ids.js';

/**
 * A job's journal as it is on disk: JSON lines, read line by line. What cannot be read never stops the rest:
 * a torn last line (a write cut short by a kill or a power cut) is recognised and, before anything is
 * appended, set aside in a file of its own; any other line that is not a topo journal line (hand-edited, a
 * foreign file) is skipped and named.
 */

export interface JournalText {
  lines: JournalLine[];
  header: JobHeader | null;
  /** Line numbers (1-based) that could not be read, the torn last line aside. */
  unreadable: number[];
  /** Whether line 1 cannot be read and is not a move's line: the job's header, damaged. */
  headerDamaged: boolean;
  /** The last line when it was cut short: its bytes, kept until they are set aside. */
  torn: string | null;
  /**
   * The call a torn last line was recording, where its ids survived: journaled again whole (as started) when
   * the torn line is set aside, and counted meanwhile — a resume or an undo looks it up with the API.
   */
  salvaged: MoveRecord | null;
  /** Where the lines that can be read end (bytes): what is kept when a torn line is set aside. */
  goodLength: number;
  /** Whether the text ends with a line break (false: the next append starts a new line first). */
  endsWithNewline: boolean;
}

const load = createRequire(import.meta.url);

/** The whole journal is unreadable (a folder, no permission): said with the reason, never the text. */
export class JournalError extends UsageError {}

export function readJournal(path: string): JournalText {
  let buffer: Buffer;
  let fd: number | undefined;
  try {
    // Opened without waiting (a FIFO would block the open until a writer came) and read only if it is a
    // plain file: a FIFO, a device or a socket in the jobs folder never hangs topo.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const kind = kindOf(fstatSync(fd));
    if (kind) throw new JournalError(`journal ${path} is not a regular file (${kind})`);
    buffer = readFileSync(fd);
  } catch (error) {
    if (error instanceof JournalError) throw error;
    throw new JournalError(
      `cannot read journal ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const text = buffer.toString('utf8');
  const raw = text.split('\n');
  const lines: JournalLine[] = [];
  const unreadable: number[] = [];
  let torn: string | null = null;
  let goodLength = buffer.length;
  const endsWithNewline = text.length === 0 || text.endsWith('\n');
  raw.forEach((line, i) => {
    if (!line.trim()) return;
    const record = parseLine(line);
    if (record) {
      lines.push(record);
      return;
    }
    // The last line, without its line break: a write cut short.
    if (i === raw.length - 1 && !endsWithNewline) {
      torn = line;
      goodLength = buffer.length - Buffer.byteLength(line);
      return;
    }
    unreadable.push(i + 1);
  });
  const headerDamaged = unreadable.includes(1) && !looksLikeMove(raw[0] ?? '');
  const salvaged = torn === null ? null : salvageMove(torn, lines);
  if (salvaged) lines.push(salvaged);
  const header = (lines.find((l) => l.kind === 'job') as JobHeader | undefined) ?? null;
  return {
    lines,
    header,
    unreadable,
    headerDamaged,
    torn,
    salvaged,
    goodLength,
    endsWithNewline: torn !== null || endsWithNewline,
  };
}

/**
 * Makes the journal safe to append to: a torn last line goes to `<journal>.torn` (kept, never appended onto)
 * and is cut from the journal. Returns what to tell the person, once, or undefined when nothing was torn.
 */
export function setAsideTornLine(path: string, journal: JournalText): string | undefined {
  if (journal.torn === null) {
    if (!journal.endsWithNewline) appendFileSync(path, '\n');
    journal.endsWithNewline = true;
    return undefined;
  }
  const aside = `${path}.torn`;
  appendFileSync(aside, `${journal.torn}\n`, { mode: 0o600 });
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, journal.goodLength);
  } finally {
    closeSync(fd);
  }
  const salvaged = journal.salvaged;
  if (salvaged) appendFileSync(path, `${JSON.stringify(salvaged)}\n`);
  journal.torn = null;
  journal.salvaged = null;
  journal.endsWithNewline = true;
  const said = `the last line of journal ${path} was cut short (a write interrupted by a kill or a crash); it was set aside in ${aside}, and the job goes on from the lines before it`;
  return salvaged
    ? `${said} and from the call it recorded (task ${salvaged.task_id}), which is looked up with the API`
    : said;
}

/**
 * The call a torn move line recorded, if its ids are whole: as a call started and not answered (whatever the
 * line said of its result, the API is asked). Its time, where cut, is the last whole line's.
 */
function salvageMove(torn: string, lines: readonly JournalLine[]): MoveRecord | null {
  const text = (key: string, pattern: string) => new RegExp(`"${key}":"(${pattern})"`).exec(torn)?.[1];
  const uuid = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
  const phase = text('phase', 'move|undo|return') as MoveRecord['phase'] | undefined;
  const taskId = text('task_id', uuid);
  const sequenceId = text('sequence_id', uuid);
  const to = text('to', uuid);
  const from = /"from":null/.test(torn) ? null : text('from', uuid);
  if (!torn.startsWith('{"kind":"move"') || !phase || !taskId || !sequenceId || !to || from === undefined)
    return null;
  const type = text('type', '[A-Z_]+');
  const priority = text('priority', '[A-Z_]+');
  const last = [...lines].reverse().find((l) => typeof (l as { time?: unknown }).time === 'string');
  return {
    kind: 'move',
    phase,
    task_id: taskId,
    sequence_id: sequenceId,
    ...(type && { type }),
    ...(priority && { priority }),
    from: from ?? null,
    to,
    scope: (text('scope', 'TASK|SEQUENCE') as MoveRecord['scope'] | undefined) ?? 'TASK',
    time:
      text('time', '\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z') ??
      (last as { time?: string } | undefined)?.time ??
      new Date(0).toISOString(),
    result: 'started',
  };
}

/**
 * Writes a job's header again in place where its first line was damaged (set aside in `<journal>.damaged`) or
 * is missing, keeping when the job was created: as the damaged line still says it, else its first record's
 * time. The file is replaced whole (written aside, then renamed). Returns the header and what to tell.
 */
export function restoreHeader(
  path: string,
  header: JobHeader,
  lines: readonly JournalLine[],
): { header: JobHeader; note: string; prepended: boolean } {
  const raw = readFileSync(path, 'utf8').split('\n');
  // The first line is the damaged header unless it is a record, or a move's line damaged (kept where it is).
  const first = raw[0] ?? '';
  const isHeader = parseLine(first) === undefined && !looksLikeMove(first);
  const damaged = isHeader ? first : undefined;
  const said = (key: string) => (damaged ? new RegExp(`"${key}":"([^"]+)"`).exec(damaged)?.[1] : undefined);
  const times = lines
    .map((l) => (l as { time?: unknown }).time)
    .filter((t): t is string => typeof t === 'string')
    .sort();
  const created = [said('created'), times[0], header.created].find(
    (t) => t !== undefined && !Number.isNaN(Date.parse(t)),
  )!;
  // A cover keeps the end its first run recorded, where the damaged line still says it.
  const until =
    header.until && said('until') && !Number.isNaN(Date.parse(said('until')!))
      ? said('until')!
      : header.until;
  const restored: JobHeader = { ...header, created, until };
  const rest = isHeader ? raw.slice(1) : raw;
  if (damaged !== undefined) appendFileSync(`${path}.damaged`, `${damaged}\n`, { mode: 0o600 });
  const writeFileAtomic = load('write-file-atomic') as typeof WriteFileAtomic;
  writeFileAtomic.sync(path, [JSON.stringify(restored), ...rest].join('\n'), { mode: 0o600 });
  return {
    header: restored,
    prepended: !isHeader,
    note: `the header of journal ${path} (its first line) ${damaged === undefined ? 'was missing' : `could not be read; it was set aside in ${path}.damaged, and`} the job's header was written again in its place (started ${restored.created})`,
  };
}

/** Whether a line that cannot be read was a move's (damaged), not the job's header. */
function looksLikeMove(line: string): boolean {
  return /"kind":"move"|"task_id"/.test(line);
}

/** One line, checked: a record of a known kind with well-formed ids; undefined otherwise. */
function parseLine(line: string): JournalLine | undefined {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!record || typeof record !== 'object' || Array.isArray(record)) return undefined;
  let r = record as Record<string, unknown>;
  // Journals written before jobs had a kind hold move records only.
  if (r.kind === undefined && typeof r.task_id === 'string') r = { kind: 'move', phase: 'move', ...r };
  return isLine(r) ? (r as unknown as JournalLine) : undefined;
}

function isLine(r: Record<string, unknown>): boolean {
  if (r.kind === 'job')
    return (
      typeof r.id === 'string' &&
      /^[0-9a-f]{8}$/.test(r.id) &&
      // null: a plan file that moved several people's tasks, or a rebalance (every member may give)
      (isUuid(r.from) || (r.from === null && (typeof r.plan === 'object' || isTeam(r.rebalance)))) &&
      Array.isArray(r.to) &&
      r.to.every(
        (t: unknown) =>
          typeof t === 'object' &&
          t !== null &&
          isUuid((t as Record<string, unknown>).id) &&
          Number.isInteger((t as Record<string, unknown>).weight),
      )
    );
  if (r.kind === 'run' || r.kind === 'end')
    return typeof r.time === 'string' && ['move', 'undo', 'return'].includes(r.phase as string);
  // Every id a move names is sent to the API by an undo or a resume: a UUID, or the line is not read.
  return (
    r.kind === 'move' &&
    ['move', 'undo', 'return'].includes(r.phase as string) &&
    isUuid(r.task_id) &&
    isUuid(r.sequence_id) &&
    isUuid(r.to) &&
    (r.from === null || isUuid(r.from)) &&
    ['started', 'moved', 'failed'].includes(r.result as string)
  );
}

/** A rebalance's header names its team: UUIDs. */
function isTeam(value: unknown): boolean {
  const team = (value as { team?: unknown } | null)?.team;
  return Array.isArray(team) && team.length > 0 && team.every(isUuid);
}

/** The unreadable lines in words: `lines 5, 9 and 12`. */
export function describeLines(numbers: number[]): string {
  const shown = numbers.slice(0, 10).map(String);
  const more = numbers.length > 10 ? ` and ${numbers.length - 10} more` : '';
  if (numbers.length === 1) return `line ${shown[0]}`;
  return `lines ${shown.join(', ')}${more}`;
}

/** What a path is when it is not a plain file, in words (undefined: a plain file). */
export function kindOf(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isFIFO()) return 'a FIFO';
  if (st.isDirectory()) return 'a folder';
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a plain file';
}
