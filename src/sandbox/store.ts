import { existsSync, readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Message, SortField, SortOrder, Task } from '../api/types.js';
import { isoSeconds, seedState, threadFor, type SandboxState, type SandboxUser } from './seed.js';

export interface ListFilter {
  status?: string;
  types?: string[];
  priorities?: string[];
  templateIds?: string[];
  assigneeUserId?: string;
  sequenceId?: string;
  createdAfter?: number;
  createdBefore?: number;
  sortBy: SortField;
  sortOrder: SortOrder;
}

export type Transition =
  | { ok: true; task: Task; changed: boolean }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'state'; task: Task };

/**
 * The sandbox's workspace: tasks in memory with the indexes that keep listing fast at 100,000 tasks,
 * saved atomically to a file after every change when one is given.
 */
export class SandboxStore {
  private byId = new Map<string, Task>();
  private bySequence = new Map<string, Task[]>();
  private createdMs = new Map<string, number>();
  private listCache = new Map<string, Task[]>();
  /** Sequence template each run was started from (not a task field, but filterable). */
  private templateOf = new Map<string, string>();

  private constructor(
    readonly state: SandboxState,
    private readonly dataFile: string | undefined,
    private readonly clock: () => number,
  ) {
    for (const task of state.tasks) this.index(task);
  }

  static open(options: {
    seed: number;
    tasks: number;
    dataFile?: string;
    now?: number;
    clock?: () => number;
    /** A workspace built by the caller (benchmarks, special scenarios) instead of the seeded one. */
    state?: SandboxState;
  }): SandboxStore {
    const clock = options.clock ?? Date.now;
    if (options.state) return new SandboxStore(options.state, options.dataFile, clock);
    if (options.dataFile && existsSync(options.dataFile)) {
      const state = loadState(options.dataFile);
      return new SandboxStore(state, options.dataFile, clock);
    }
    const now = options.now ?? startOfUtcDay(clock());
    const store = new SandboxStore(
      seedState({ seed: options.seed, tasks: options.tasks, now }),
      options.dataFile,
      clock,
    );
    store.save();
    return store;
  }

  get users(): SandboxUser[] {
    return this.state.users;
  }

  get templateIds(): string[] {
    return [...new Set(this.templateOf.values())];
  }

  templateOfSequence(sequenceId: string): string | undefined {
    return this.templateOf.get(sequenceId);
  }

  get(id: string): Task | undefined {
    return this.byId.get(id);
  }

  sequence(sequenceId: string): Task[] {
    return this.bySequence.get(sequenceId) ?? [];
  }

  thread(task: Task): Message[] {
    return threadFor(this.state, task);
  }

  isUser(id: string): boolean {
    return this.state.users.some((u) => u.id === id);
  }

  /** Filtered, sorted tasks; cached per filter until the next change, so walking pages stays O(page). */
  list(filter: ListFilter): Task[] {
    const key = JSON.stringify(filter);
    const cached = this.listCache.get(key);
    if (cached) return cached;
    const types = filter.types && new Set(filter.types);
    const priorities = filter.priorities && new Set(filter.priorities);
    const templates = filter.templateIds && new Set(filter.templateIds);
    const source = filter.sequenceId ? this.sequence(filter.sequenceId) : this.state.tasks;
    const result = source.filter((t) => {
      if (filter.status && t.status !== filter.status) return false;
      if (types && !types.has(t.type)) return false;
      if (priorities && !priorities.has(t.priority)) return false;
      if (templates && !templates.has(this.templateOf.get(t.sequence_id) ?? '')) return false;
      if (filter.assigneeUserId && t.assignee_user_id !== filter.assigneeUserId) return false;
      const created = this.createdMs.get(t.id) ?? 0;
      if (filter.createdAfter !== undefined && !(created > filter.createdAfter)) return false;
      if (filter.createdBefore !== undefined && !(created < filter.createdBefore)) return false;
      return true;
    });
    const field = filter.sortBy;
    const sign = filter.sortOrder === 'desc' ? -1 : 1;
    result.sort((a, b) => {
      const av = a[field];
      const bv = b[field];
      if (av !== bv) return av < bv ? -sign : sign;
      return a.id < b.id ? -sign : a.id > b.id ? sign : 0;
    });
    if (this.listCache.size > 64) this.listCache.clear();
    this.listCache.set(key, result);
    return result;
  }

  /** Adds a task as given, unknown fields and values included (for tests of what the API may add). */
  insert(task: Task): void {
    this.state.tasks.push(task);
    this.index(task);
    this.changed();
  }

  skip(id: string): Transition {
    return this.transition(id, ['PENDING', 'IN_PROGRESS'], 'SKIPPED', (task, now) => {
      task.status = 'SKIPPED';
      task.skipped_at = now;
    });
  }

  reopen(id: string): Transition {
    return this.transition(id, ['COMPLETED', 'SKIPPED'], 'PENDING', (task, now) => {
      task.status = 'PENDING';
      task.reopened_at = now;
      task.reopen_reason = null;
      task.completed_at = null;
      task.skipped_at = null;
      task.disposition = null;
    });
  }

  /** Moves the task, or with SEQUENCE every open task of its run too. Answers with the one task. */
  reassign(id: string, assignee: string, scope: 'TASK' | 'SEQUENCE'): Transition {
    const task = this.byId.get(id);
    if (!task) return { ok: false, reason: 'not_found' };
    const now = isoSeconds(this.clock());
    const targets =
      scope === 'SEQUENCE'
        ? this.sequence(task.sequence_id).filter(
            (t) => t === task || t.status === 'PENDING' || t.status === 'IN_PROGRESS',
          )
        : [task];
    let changed = false;
    for (const t of targets) {
      if (t.assignee_user_id === assignee) continue;
      t.assignee_user_id = assignee;
      t.updated_at = now;
      changed = true;
    }
    if (changed) this.changed();
    return { ok: true, task, changed };
  }

  private transition(
    id: string,
    from: string[],
    to: string,
    apply: (task: Task, now: string) => void,
  ): Transition {
    const task = this.byId.get(id);
    if (!task) return { ok: false, reason: 'not_found' };
    if (!from.includes(task.status)) return { ok: false, reason: 'state', task };
    apply(task, isoSeconds(this.clock()));
    task.status = to;
    task.updated_at = isoSeconds(this.clock());
    this.changed();
    return { ok: true, task, changed: true };
  }

  private index(task: Task): void {
    this.byId.set(task.id, task);
    this.createdMs.set(task.id, Date.parse(task.created_at));
    let run = this.bySequence.get(task.sequence_id);
    if (!run) {
      run = [];
      this.bySequence.set(task.sequence_id, run);
      // Runs share a handful of templates, drawn from the run id so the data file need not store them.
      this.templateOf.set(task.sequence_id, templateIdFor(this.state, task.sequence_id));
    }
    run.push(task);
  }

  private changed(): void {
    this.listCache.clear();
    this.save();
  }

  private save(): void {
    if (!this.dataFile) return;
    mkdirSync(dirname(this.dataFile), { recursive: true });
    const tmp = `${this.dataFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state), { mode: 0o600 });
    renameSync(tmp, this.dataFile);
  }
}

const TEMPLATE_COUNT = 4;

function templateIdFor(state: SandboxState, sequenceId: string): string {
  let h = 0;
  for (let i = 0; i < sequenceId.length; i++) h = (h * 31 + sequenceId.charCodeAt(i)) >>> 0;
  return sandboxTemplateIds(state)[h % TEMPLATE_COUNT]!;
}

/** The workspace's sequence templates: fixed per organization. */
export function sandboxTemplateIds(state: SandboxState): string[] {
  const base = state.organization_id.slice(0, 24);
  return Array.from({ length: TEMPLATE_COUNT }, (_, i) => `${base}${String(i + 1).padStart(12, '0')}`);
}

function startOfUtcDay(ms: number): number {
  return Math.floor(ms / 86_400_000) * 86_400_000;
}

function loadState(file: string): SandboxState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new SandboxDataError(`cannot read sandbox data file ${file}: ${(error as Error).message}`);
  }
  const state = parsed as Partial<SandboxState> | null;
  if (!state || state.version !== 1 || !Array.isArray(state.tasks) || !Array.isArray(state.users)) {
    throw new SandboxDataError(
      `sandbox data file ${file} is not a topo sandbox state; delete it or use --reset`,
    );
  }
  return state as SandboxState;
}

export class SandboxDataError extends Error {}
