import { isoSeconds } from '../../basics/time.js';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, lstatSync, readdirSync, renameSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describeWorkspace } from '../../domain/job.js';
import { UsageError } from '../../errors.js';
import { jobsDir } from '../../config/paths.js';
import { makePrivateDir } from '../../config/store.js';
import {
  describeLines,
  kindOf,
  readJournal,
  restoreHeader,
  setAsideTornLine,
  type JournalText,
} from './journal.js';
import type {
  JobHeader,
  JobSpec,
  JobTerms,
  JournalLine,
  MoveRecord,
  Phase,
  RunRecord,
  Workspace,
} from '../../domain/job.js';

/**
 * A bulk reassignment as a job: an id, one journal, every run of the same command appended to it. The
 * journal is JSON lines, written whole line by line, so a stop never leaves half a record: a header that
 * says what the job is, a line when each run starts and ends, and a line for each task when its call starts
 * and when it ends (moves, then undo or return).
 */

export function inWorkspace(job: Job, w: Workspace): boolean {
  return job.header?.api_url === w.api_url && job.header.profile === w.profile;
}

/**
 * The id of the job a command stands for: who leaves, who takes over (in any order), the subset, the
 * workspace, and whether it is a cover. Not the cap, the weights or the cover's end: those are how much and
 * until when, and a run that changes them goes on with the same job (the cap and the weights count the whole
 * job; a cover keeps the end its first run recorded, however `--until 14d` reads on a later day). `generation`
 * numbers a later cover of the same people once an earlier one was given back.
 */
export function jobId(spec: JobSpec, generation = 1): string {
  const canonical = JSON.stringify([
    spec.api_url,
    spec.profile,
    spec.from,
    spec.to.map((t) => t.id).sort(),
    Object.entries(spec.filters)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1)),
    spec.until !== null,
    ...(generation > 1 ? [generation] : []),
    // A plan file applied is a job of its own: the same plan again, by whichever key, resumes it.
    ...(spec.plan ? [spec.plan.digest] : []),
    // A rebalance is a job of its own each time it is started (a rerun of an unfinished one continues it).
    ...(spec.rebalance ? [spec.rebalance] : []),
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 8);
}

/** Whether a job's header says it is the job of this spec (a journal named by an older id included). */
function sameJob(h: JobHeader, spec: JobSpec): boolean {
  const ids = (to: JobSpec['to']) => JSON.stringify(to.map((t) => t.id).sort());
  const filters = (f: JobSpec['filters']) =>
    JSON.stringify(
      Object.entries(f)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  return (
    h.api_url === spec.api_url &&
    h.profile === spec.profile &&
    h.from === spec.from &&
    ids(h.to) === ids(spec.to) &&
    filters(h.filters) === filters(spec.filters) &&
    (h.until !== null) === (spec.until !== null) &&
    // A plan applied is the job of that plan (whichever key applies it); a job run from flags is never a plan's.
    (h.plan?.digest ?? null) === (spec.plan?.digest ?? null) &&
    JSON.stringify(h.rebalance ?? null) === JSON.stringify(spec.rebalance ?? null)
  );
}

export class Job {
  private constructor(
    readonly path: string,
    private head: JobHeader | null,
    readonly lines: JournalLine[],
    /** Line numbers that could not be read (skipped): said by whatever reads the job. */
    readonly unreadable: number[],
    private readonly text: JournalText | null,
  ) {}

  get header(): JobHeader | null {
    return this.head;
  }

  get id(): string {
    return this.header?.id ?? basename(this.path).replace(/\.jsonl$/, '');
  }

  /**
   * The job of this spec: its journal is opened (and written from now on), or started. A torn last line is
   * set aside first and said once through `note`.
   */
  static open(stateDir: string, spec: JobSpec, now: Date, note: (message: string) => void): Job {
    const dir = jobsDir(stateDir);
    makePrivateDir(dir);
    const found = Job.locate(stateDir, spec);
    const path = found.path;
    const id = basename(path).replace(/\.jsonl$/, '');
    const header: JobHeader = { kind: 'job', id, created: isoSeconds(now.getTime()), ...spec };
    if (found.job) {
      const job = found.job;
      // Not a journal at all (no line of it can be read): set aside whole, and the job starts afresh.
      if (!job.head && job.lines.length === 0 && job.unreadable.length > 0) {
        const aside = `${path}.foreign`;
        renameSync(path, aside);
        note(`${path} was not a topo journal; it was set aside as ${aside}`);
        return Job.open(stateDir, spec, now, note);
      }
      job.prepareAppend(note);
      if (!job.head && job.lines.length === 0)
        note(`journal ${path} was empty: the job starts afresh there (what it held before is not known)`);
      // Its header was the line torn by a kill: written again, so the job is listed and found.
      if (!job.head && job.lines.length === 0) {
        job.append([header]);
        job.head = header;
      }
      // Its header damaged (a hand edit) or missing, its records there: written again in place, as it was.
      if (!job.head) {
        const restored = restoreHeader(path, header, job.lines);
        note(restored.note);
        job.head = restored.header;
        job.lines.unshift(restored.header);
        // The lines that cannot be read, numbered as the journal is now: one more above them, or the header's gone.
        const numbers = job.unreadable
          .filter((n) => restored.prepended || n !== 1)
          .map((n) => (restored.prepended ? n + 1 : n));
        job.unreadable.splice(0, job.unreadable.length, ...numbers);
      }
      return job;
    }
    const job = new Job(path, header, [], [], null);
    job.append([header]);
    return job;
  }

  /**
   * Where the job of this spec is: its journal by id (a cover given back, or a job undone, makes room for the
   * next one of the same people), else a journal of an older id whose header says it is this job and that is not given back,
   * else the path of a new one.
   */
  private static locate(stateDir: string, spec: JobSpec): { path: string; job?: Job } {
    const dir = jobsDir(stateDir);
    for (let generation = 1; ; generation++) {
      const path = join(dir, `${jobId(spec, generation)}.jsonl`);
      if (!existsSync(path)) {
        const older = Job.all(stateDir)
          .filter((j) => sameJob(j.header!, spec) && !j.closed())
          .at(-1);
        return older ? { path: older.path, job: older } : { path };
      }
      const job = Job.read(path);
      if (!job.closed()) return { path, job };
    }
  }

  /**
   * A job by id, `last` (the newest of this workspace), or the path of its journal (older journals
   * included). An id or a path works whatever the workspace. For `last`, the journals left out are said in
   * `problems`.
   */
  static find(stateDir: string, idOrPath: string, workspace: Workspace, problems: string[] = []): Job {
    if (idOrPath === 'last') {
      const damaged: Job[] = [];
      const last = Job.all(stateDir, problems, damaged)
        .filter((j) => inWorkspace(j, workspace))
        .at(-1);
      // A journal whose header is damaged may hold the newest job: `last` would name an older one.
      const changed = (j: Job) => statSync(j.path).mtimeMs;
      const newer = damaged.find((j) => !last || changed(j) >= changed(last));
      if (newer)
        throw new UsageError(
          `the journal ${newer.path} has a damaged header (its first line) and may hold the last job: name the job to undo by its id (--undo ${newer.id} for that one), or rerun its command first (it writes the header again)`,
        );
      if (!last)
        throw new UsageError(
          `no job yet in this workspace (${describeWorkspace(workspace)}); see 'topo tasks reassign --jobs'`,
        );
      return last;
    }
    const byId = join(jobsDir(stateDir), `${idOrPath}.jsonl`);
    const job = /^[0-9a-f]{8}$/.test(idOrPath) && existsSync(byId) ? Job.read(byId) : undefined;
    if (job) return job;
    if (!existsSync(idOrPath))
      throw new UsageError(
        /[/\\]|\.jsonl$/.test(idOrPath)
          ? `no journal file '${idOrPath}'`
          : `no job '${idOrPath}' (see 'topo tasks reassign --jobs')`,
      );
    const byPath = Job.read(idOrPath);
    if (byPath.lines.length === 0)
      throw new UsageError(`${idOrPath} is not a topo journal: none of its lines can be read`);
    return byPath;
  }

  /** The id of the job of this spec: of its journal, or of the one its first run will write. */
  static idOf(stateDir: string, spec: JobSpec): string {
    return basename(Job.locate(stateDir, spec).path).replace(/\.jsonl$/, '');
  }

  /** The job of this spec, if it ever ran (and, for a cover, was not given back). */
  static existing(stateDir: string, spec: JobSpec): Job | undefined {
    return Job.locate(stateDir, spec).job;
  }

  /**
   * Every job in the state folder, oldest first. A journal that cannot be read at all, or holds no job, is
   * left out and said in `problems`: one bad file never hides the others. One that holds moves but whose header
   * cannot be read is also given in `damaged`.
   */
  static all(stateDir: string, problems: string[] = [], damaged?: Job[]): Job[] {
    const dir = jobsDir(stateDir);
    if (!existsSync(dir)) return [];
    const jobs: Job[] = [];
    for (const f of readdirSync(dir).filter((name) => name.endsWith('.jsonl'))) {
      const path = join(dir, f);
      // Looked at before it is opened: a FIFO would block the open, a symlink may lead anywhere.
      const st = lstatSync(path, { throwIfNoEntry: false });
      if (!st) continue;
      const kind = kindOf(st);
      if (kind) {
        problems.push(`${path} is not a regular file (${kind}); left out`);
        continue;
      }
      try {
        const job = Job.read(path);
        const tasks = new Set(job.lines.flatMap((l) => (l.kind === 'move' ? [l.task_id] : []))).size;
        if (job.header) jobs.push(job);
        else if (tasks === 0)
          problems.push(`${path} is not a topo journal (none of its lines can be read); left out`);
        else {
          // A job whose header (its first line) is damaged: what it moved is journaled, but not whose job it is.
          damaged?.push(job);
          problems.push(
            `journal ${path}: its first line, the job's header, cannot be read, so the job it holds (its records of ${tasks === 1 ? '1 task' : `${tasks} tasks`}) is left out; restore that line, or rerun the job's command (it writes the header again)`,
          );
        }
        if (job.header && job.unreadable.length > 0) problems.push(job.unreadableNote());
      } catch (error) {
        problems.push(`${(error as Error).message}; left out`);
      }
    }
    // Jobs begun within the same second (a script's): the journal made first is the older.
    const born = (j: Job) => statSync(j.path).birthtimeMs || statSync(j.path).ctimeMs;
    const created = (j: Job) => j.header?.created ?? '';
    return jobs.sort((a, b) =>
      created(a) !== created(b) ? (created(a) < created(b) ? -1 : 1) : born(a) - born(b),
    );
  }

  static read(path: string): Job {
    const text = readJournal(path);
    return new Job(path, text.header, text.lines, text.unreadable, text);
  }

  /** The lines of its moves that cannot be read (a damaged header's line aside). */
  lostMoves(): number[] {
    return this.unreadable.filter((n) => n !== 1 || !this.text?.headerDamaged);
  }

  /** What could not be read, in words, for a note. */
  unreadableNote(): string {
    return `journal ${this.path}: ${describeLines(this.unreadable)} ${this.unreadable.length === 1 ? 'cannot be read (not a topo journal line) and is' : 'cannot be read (not topo journal lines) and are'} skipped`;
  }

  /** Before the first append: a torn last line set aside (said once), a missing line break added. */
  prepareAppend(note: (message: string) => void): void {
    if (!this.text) return;
    const message = setAsideTornLine(this.path, this.text);
    if (message) note(message);
  }

  append(records: JournalLine[]): void {
    if (records.length === 0) return;
    appendFileSync(this.path, records.map((r) => `${JSON.stringify(r)}\n`).join(''), { mode: 0o600 });
    this.lines.push(...records.filter((r) => r.kind !== 'job' || !this.header));
  }

  private syncing: Promise<void> | undefined;
  private nextSync: Promise<void> | undefined;

  /**
   * Resolves once everything appended so far is on the disk (fsync): a call's 'started' line is, before the
   * call is sent, so a power cut cannot lose the record of a call that may have landed. Calls side by side
   * share one fsync (a group commit): one that comes while another is under way waits for the next.
   */
  durable(): Promise<void> {
    if (!this.syncing) {
      this.syncing = syncFile(this.path).finally(() => (this.syncing = undefined));
      return this.syncing;
    }
    this.nextSync ??= this.syncing
      .catch(() => undefined)
      .then(() => {
        this.nextSync = undefined;
        return this.durable();
      });
    return this.nextSync;
  }

  moves(phase?: Phase): MoveRecord[] {
    return this.lines.filter((l): l is MoveRecord => l.kind === 'move' && (!phase || l.phase === phase));
  }

  /** The last record of each task in a phase ('started' last: a run stopped mid-call). */
  outcomes(phase: Phase): Map<string, MoveRecord> {
    return new Map(this.moves(phase).map((r) => [r.task_id, r]));
  }

  /**
   * Where the job stands with each task it moved: its last move record, unless an undo or a return has
   * moved the task back since. What the cap, the weights and a resume count.
   */
  standing(): Map<string, MoveRecord> {
    const standing = new Map<string, MoveRecord>();
    for (const r of this.moves()) {
      if (r.phase === 'move') standing.set(r.task_id, r);
      else if (r.result === 'moved') standing.delete(r.task_id);
    }
    return standing;
  }

  /** Whether the last run of its moves ended, uninterrupted, with nothing of its plan left. */
  settled(): boolean {
    const end = this.lastEnd('move');
    return end !== undefined && !end.interrupted && (end.left ?? 0) === 0;
  }

  /** The cap and the weights its last run of moves had (the header's, for a journal that does not say). */
  terms(): JobTerms | undefined {
    const run = this.lines
      .filter((l): l is RunRecord => l.kind === 'run' && l.phase === 'move' && l.to !== undefined)
      .at(-1);
    if (run) return { cap: run.cap ?? null, to: run.to! };
    return this.header ? { cap: this.header.cap, to: this.header.to } : undefined;
  }

  /**
   * Whether the job is over for good: a cover given back, or a job whose last run, an undo, put back all it
   * moved. The same command then starts a new job of the same people.
   */
  closed(): boolean {
    if (this.header?.until && this.givenBack()) return true;
    const last = this.lastRun();
    if (last?.kind !== 'end' || last.phase !== 'undo' || (last.left ?? 0) > 0) return false;
    const count = (phase: Phase) =>
      [...this.outcomes(phase).values()].filter((r) => r.result === 'moved').length;
    return count('undo') >= count('move');
  }

  /** Whether a return of this cover ran to its end (not stopped by a kill, Ctrl-C or SIGTERM) with nothing left. */
  givenBack(): boolean {
    const end = this.lastEnd('return');
    // Its calls failed or not made, it is not given back: the next `--return` gives back the rest.
    return end !== undefined && !end.interrupted && (end.left ?? 0) === 0;
  }

  /** The last run of any phase: its start record when it never ended (a kill), else its end. */
  lastRun(): RunRecord | undefined {
    return this.lines.filter((l): l is RunRecord => l.kind === 'run' || l.kind === 'end').at(-1);
  }

  /** The end record of the last run of a phase, if it ended. */
  lastEnd(phase: Phase = 'move'): RunRecord | undefined {
    const runs = this.lines.filter(
      (l): l is RunRecord => (l.kind === 'run' || l.kind === 'end') && l.phase === phase,
    );
    const last = runs.at(-1);
    return last?.kind === 'end' ? last : undefined;
  }
}

async function syncFile(path: string): Promise<void> {
  const { open } = await import('node:fs/promises');
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
