import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UsageError } from '../api/errors.js';
import { makePrivateDir } from '../config/store.js';
import type { JobRow } from '../output/jobs.js';
import type { Session } from '../session.js';

/**
 * A bulk reassignment as a job: an id, one journal, every run of the same command appended to it. The
 * journal is JSON lines, written whole line by line, so a stop never leaves half a record: a header that
 * says what the job is, a line when each run starts and ends, and a line for each task when its call starts
 * and when it ends (moves, then undo or return).
 */

export interface JobSpec {
  /** Where and as whom: the same command against another workspace is another job. */
  api_url: string;
  profile: string;
  from: string;
  to: { id: string; weight: number }[];
  cap: number | null;
  filters: Record<string, unknown>;
  /** Temporary cover: the day the tasks go back (ISO). */
  until: string | null;
}

export interface JobHeader extends JobSpec {
  kind: 'job';
  id: string;
  created: string;
}

export type Phase = 'move' | 'undo' | 'return';

/** Where a job ran: the API it was sent to and the profile it ran as. */
export type Workspace = Pick<JobSpec, 'api_url' | 'profile'>;

/** This run's workspace. The sandbox listens on a new port each time: its jobs are the sandbox's, whatever the port. */
export async function currentWorkspace(session: Session): Promise<Workspace> {
  return {
    api_url: session.globals.sandbox ? 'sandbox' : await session.baseUrl(),
    profile: session.profileName,
  };
}

export function inWorkspace(job: Job, w: Workspace): boolean {
  return job.header?.api_url === w.api_url && job.header.profile === w.profile;
}

/** A workspace in words, for notes: `profile 'default' at https://…`. */
export function describeWorkspace(w: Workspace): string {
  return `profile '${w.profile}' at ${w.api_url}`;
}

export interface MoveRecord {
  kind: 'move';
  phase: Phase;
  task_id: string;
  sequence_id: string;
  /** The task's type and priority, for a report of the whole job (absent in older journals). */
  type?: string;
  priority?: string;
  /** The assignee the task really had just before the call. */
  from: string | null;
  to: string;
  scope: 'TASK' | 'SEQUENCE';
  time: string;
  /** 'started' is written before the call: a run killed mid-call still leaves a record to check. */
  result: 'started' | 'moved' | 'failed';
  error?: string;
  request_id?: string;
}

export interface RunRecord {
  kind: 'run' | 'end';
  phase: Phase;
  time: string;
  planned?: number;
  moved?: number;
  failed?: number;
  /** Tasks of the plan not moved (not started, failed, or kept by the cap). */
  left?: number;
  interrupted?: boolean;
  verified?: boolean;
}

export type JournalLine = JobHeader | MoveRecord | RunRecord;

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
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 8);
}

export function jobsDir(stateDir: string): string {
  return join(stateDir, 'jobs');
}

export class Job {
  private constructor(
    readonly path: string,
    readonly header: JobHeader | null,
    readonly lines: JournalLine[],
  ) {}

  get id(): string {
    return this.header?.id ?? basename(this.path).replace(/\.jsonl$/, '');
  }

  /** The job of this spec: its journal is opened (and written from now on), or started. */
  static open(stateDir: string, spec: JobSpec, now: Date): Job {
    const id = jobId(spec);
    const dir = jobsDir(stateDir);
    makePrivateDir(dir);
    const path = join(dir, `${id}.jsonl`);
    if (existsSync(path)) return Job.read(path);
    const header: JobHeader = { kind: 'job', id, created: stamp(now), ...spec };
    const job = new Job(path, header, []);
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
    if (/^[0-9a-f]{8}$/.test(idOrPath) && existsSync(byId)) return Job.read(byId);
    if (!existsSync(idOrPath))
      throw new UsageError(
        /[/\\]|\.jsonl$/.test(idOrPath)
          ? `no journal file '${idOrPath}'`
          : `no job '${idOrPath}' (see 'topo tasks reassign --jobs')`,
      );
    return Job.read(idOrPath);
  }

  /** The job of this spec, if it ever ran. */
  static existing(stateDir: string, spec: JobSpec): Job | undefined {
    const path = join(jobsDir(stateDir), `${jobId(spec)}.jsonl`);
    return existsSync(path) ? Job.read(path) : undefined;
  }

  static all(stateDir: string): Job[] {
    const dir = jobsDir(stateDir);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith('.jsonl'))
      .map((f) => Job.read(join(dir, f)))
      .sort((a, b) => ((a.header?.created ?? '') < (b.header?.created ?? '') ? -1 : 1));
  }

  static read(path: string): Job {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new UsageError(
        `cannot read journal ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
    const lines: JournalLine[] = [];
    const raw = text.split('\n');
    raw.forEach((line, i) => {
      if (!line.trim()) return;
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        // A torn last line (a crash mid-write) is ignored; anything else is not a journal.
        if (i === raw.length - 1) return;
        throw new UsageError(`${path}:${i + 1} is not a topo journal line`);
      }
      // Journals written before jobs had a kind hold move records only.
      if (record.kind === undefined && typeof record.task_id === 'string')
        record = { kind: 'move', phase: 'move', ...record };
      if (!isLine(record)) throw new UsageError(`${path}:${i + 1} is not a topo journal line`);
      lines.push(record as unknown as JournalLine);
    });
    const header = (lines.find((l) => l.kind === 'job') as JobHeader | undefined) ?? null;
    return new Job(path, header, lines);
  }

  append(records: JournalLine[]): void {
    if (records.length === 0) return;
    appendFileSync(this.path, records.map((r) => `${JSON.stringify(r)}\n`).join(''), { mode: 0o600 });
    this.lines.push(...records.filter((r) => r.kind !== 'job' || !this.header));
  }

  moves(phase?: Phase): MoveRecord[] {
    return this.lines.filter((l): l is MoveRecord => l.kind === 'move' && (!phase || l.phase === phase));
  }

  /** The last record of each task in a phase ('started' last: a run stopped mid-call). */
  outcomes(phase: Phase): Map<string, MoveRecord> {
    return new Map(this.moves(phase).map((r) => [r.task_id, r]));
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

function isLine(r: Record<string, unknown>): boolean {
  if (r.kind === 'job') return typeof r.id === 'string' && typeof r.from === 'string';
  if (r.kind === 'run' || r.kind === 'end') return typeof r.time === 'string';
  return (
    r.kind === 'move' &&
    typeof r.task_id === 'string' &&
    typeof r.to === 'string' &&
    ['started', 'moved', 'failed'].includes(r.result as string)
  );
}

export function stamp(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
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
      };
    });
}
