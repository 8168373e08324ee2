import { isoSeconds } from '../../basics/time.js';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync, renameSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describeWorkspace } from '../../domain/job.js';
import { UsageError } from '../../errors.js';
import { makePrivateDir } from '../../config/store.js';
import { describeLines, readJournal, setAsideTornLine, type JournalText } from './journal.js';
import type {
  JobHeader,
  JobRow,
  JobSpec,
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

/** The id of the job a command stands for: the same leaver, successors, filters and workspace. */
export function jobId(spec: JobSpec): string {
  const canonical = JSON.stringify([
    spec.api_url,
    spec.profile,
    spec.from,
    spec.to.map((t) => [t.id, t.weight]),
    spec.cap,
    Object.entries(spec.filters)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1)),
    spec.until,
    // A rebalance is a job of its own each time it is started (older ids are unchanged).
    ...(spec.rebalance ? [spec.rebalance] : []),
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 8);
}

export function jobsDir(stateDir: string): string {
  return join(stateDir, 'jobs');
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
    const id = jobId(spec);
    const dir = jobsDir(stateDir);
    makePrivateDir(dir);
    const path = join(dir, `${id}.jsonl`);
    const header: JobHeader = { kind: 'job', id, created: isoSeconds(now.getTime()), ...spec };
    if (existsSync(path)) {
      const job = Job.read(path);
      // Not a journal at all (no line of it can be read): set aside whole, and the job starts afresh.
      if (!job.head && job.lines.length === 0 && job.unreadable.length > 0) {
        const aside = `${path}.foreign`;
        renameSync(path, aside);
        note(`${path} was not a topo journal; it was set aside as ${aside}`);
        return Job.open(stateDir, spec, now, note);
      }
      job.prepareAppend(note);
      // Its header was the line torn by a kill: written again, so the job is listed and found.
      if (!job.head) {
        job.append([header]);
        job.head = header;
      }
      return job;
    }
    const job = new Job(path, header, [], [], null);
    job.append([header]);
    return job;
  }

  /**
   * A job by id, `last` (the newest of this workspace), or the path of its journal (older journals
   * included). An id or a path works whatever the workspace.
   */
  static find(stateDir: string, idOrPath: string, workspace: Workspace): Job {
    if (idOrPath === 'last') {
      const last = Job.all(stateDir)
        .filter((j) => inWorkspace(j, workspace))
        .at(-1);
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

  /** The job of this spec, if it ever ran. */
  static existing(stateDir: string, spec: JobSpec): Job | undefined {
    const path = join(jobsDir(stateDir), `${jobId(spec)}.jsonl`);
    return existsSync(path) ? Job.read(path) : undefined;
  }

  /**
   * Every job in the state folder, oldest first. A journal that cannot be read at all, or holds no job, is
   * left out and said in `problems`: one bad file never hides the others.
   */
  static all(stateDir: string, problems: string[] = []): Job[] {
    const dir = jobsDir(stateDir);
    if (!existsSync(dir)) return [];
    const jobs: Job[] = [];
    for (const f of readdirSync(dir).filter((name) => name.endsWith('.jsonl'))) {
      const path = join(dir, f);
      try {
        const job = Job.read(path);
        if (job.header) jobs.push(job);
        else if (!job.lines.some((l) => l.kind === 'move'))
          problems.push(`${path} is not a topo journal (none of its lines can be read); left out`);
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

  /** What could not be read, in words, for a note. */
  unreadableNote(): string {
    return `journal ${this.path}: ${describeLines(this.unreadable)} cannot be read (not topo journal lines) and ${this.unreadable.length === 1 ? 'is' : 'are'} skipped`;
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

  /** The end record of the last run of a phase, if it ended. */
  lastEnd(phase: Phase = 'move'): RunRecord | undefined {
    const runs = this.lines.filter(
      (l): l is RunRecord => (l.kind === 'run' || l.kind === 'end') && l.phase === phase,
    );
    const last = runs.at(-1);
    return last?.kind === 'end' ? last : undefined;
  }
}

/** What sweeps moved into a job: the moves of its runs marked as sweeps, and when the last of them ran. */
function sweptOf(job: Job): { swept: number; swept_at: string | null } {
  let sweeping = false;
  let swept = 0;
  let at: string | null = null;
  for (const line of job.lines) {
    if (line.kind === 'run' && line.phase === 'move') sweeping = line.sweep === true;
    else if (line.kind === 'end' && line.phase === 'move' && line.sweep) at = line.time;
    else if (line.kind === 'move' && line.phase === 'move' && sweeping && line.result === 'moved') swept++;
  }
  return { swept, swept_at: at };
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

/** Where each job stands: for `tasks reassign --jobs`. */
export function jobRows(jobs: Job[], now: number): JobRow[] {
  return jobs
    .filter((j) => j.header)
    .map((j) => {
      const h = j.header!;
      const moved = [...j.outcomes('move').values()].filter((r) => r.result === 'moved').length;
      const back = [...j.outcomes('undo').values(), ...j.outcomes('return').values()].filter(
        (r) => r.result === 'moved',
      ).length;
      const end = j.lastEnd('move');
      // The last run began and never ended (killed, a crash): what is left is not known until it runs again.
      const midRun = !end && j.lines.some((l) => l.kind === 'run' && l.phase === 'move');
      let state: string;
      if (j.lastEnd('return')) state = 'given back';
      else if (j.lastEnd('undo')) state = back >= moved ? 'undone' : 'partly undone';
      else if (midRun) state = 'stopped mid-run';
      // Stopped by Ctrl-C or SIGTERM with work left (stopped during the check, nothing was left: done).
      else if (end?.interrupted && (end.left ?? 0) > 0) state = 'interrupted';
      else if ((end?.left ?? 0) > 0) state = 'incomplete';
      else if (h.until) state = Date.parse(h.until) <= now ? 'due for return' : 'covering';
      else state = 'done';
      return {
        id: h.id,
        created: h.created,
        from: h.from,
        to: h.to.map((t) => t.id),
        moved,
        left: midRun ? null : (end?.left ?? 0),
        back,
        until: h.until,
        state,
        journal: j.path,
        kind: h.rebalance ? 'rebalance' : 'offboard',
        ...sweptOf(j),
      };
    });
}
