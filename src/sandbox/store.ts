import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type {
  Contact,
  Message,
  SequenceRun,
  SequenceTemplate,
  SortField,
  SortOrder,
  Task,
} from '../api/types.js';
import {
  buildContact,
  buildRun,
  runSeed,
  runTimes,
  seededTemplates,
  templateIdFor,
  workspaceAnchor,
  type RunSeed,
} from './companions.js';
import { hashString, Random } from './random.js';
import { isoSeconds } from '../basics/time.js';
import { seedState, threadFor, type SandboxOverrides, type SandboxState, type SandboxUser } from './seed.js';

export { sandboxTemplateIds } from './companions.js';

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

export interface RunFilter {
  status?: string;
  sortBy: SortField;
  sortOrder: SortOrder;
}

export interface TemplateFilter {
  name?: string;
  status?: string;
  createdAfter?: number;
  createdBefore?: number;
  sortBy: 'created_at' | 'updated_at' | 'name';
  sortOrder: SortOrder;
}

export interface ContactFilter {
  email?: string;
  linkedinUrl?: string;
  contactId?: string;
  firstSeenAfter?: number;
  lastSeenAfter?: number;
  sortBy: 'first_seen_at' | 'last_seen_at' | 'email';
  sortOrder: SortOrder;
}

/** Fields of a task made by `createTask`; the rest are drawn or set to now. */
export interface NewTask {
  assignee_user_id?: string | null;
  type?: string;
  priority?: string;
  status?: string;
  sequence_id?: string;
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
  /** Listings per filter, until the next change. */
  private listCache = new Map<string, unknown[]>();
  /** Every type a task has had: what the listing accepts as a filter, besides the known ones. */
  private types = new Set<string>();
  /** Sequence template each run was started from (not a task field, but filterable). */
  private templateOf = new Map<string, string>();
  /** What each run draws from the seed: never changes. */
  private seeds = new Map<string, RunSeed>();
  /** Runs and contacts as last built, dropped when their run's tasks or overrides change. */
  private runCache = new Map<string, SequenceRun>();
  private contactCache = new Map<string, Contact>();
  /** Contact id → the run it was drawn for; built on first use. */
  private contactRuns: Map<string, string> | undefined;
  private templateCache: SequenceTemplate[] | undefined;
  /** How many runs and contacts were built (cache misses): what a change costs, for tests. */
  builds = 0;
  /** The moment the seeded data ends: templates are dated from it. */
  private anchor = 0;
  /** The data file as this store last read or wrote it: another process's change shows as a difference. */
  private seen: string | undefined;

  private current!: SandboxState;

  private constructor(
    state: SandboxState,
    private readonly dataFile: string | undefined,
    private readonly clock: () => number,
  ) {
    this.take(state);
  }

  /** Makes this workspace the store's: what is derived from the one before is dropped, the indexes built. */
  private take(state: SandboxState): void {
    this.current = state;
    for (const index of [this.byId, this.bySequence, this.createdMs, this.listCache, this.templateOf])
      index.clear();
    this.types.clear();
    this.seeds.clear();
    this.runCache.clear();
    this.contactCache.clear();
    this.contactRuns = undefined;
    this.templateCache = undefined;
    this.anchor = workspaceAnchor(state);
    for (const task of state.tasks) this.index(task);
  }

  get state(): SandboxState {
    return this.current;
  }

  /**
   * A change made whole against the data file other processes share: under a lock of the file (waited for),
   * the file taken up again, the change made and saved, so that two `topo --sandbox` commands changing tasks
   * at the same time each keep the other's change (read-change-write without it lost one of them).
   */
  async exclusive<T>(change: () => T): Promise<T> {
    if (!this.dataFile) return change();
    const lockfile = await import('proper-lockfile');
    const release = await lockfile.lock(this.dataFile, {
      lockfilePath: `${this.dataFile}.lock`,
      realpath: false,
      stale: 10_000,
      retries: { retries: 400, minTimeout: 5, maxTimeout: 50, randomize: true },
    });
    try {
      this.refresh();
      return change();
    } finally {
      await release().catch(() => undefined);
    }
  }

  /**
   * Takes up the data file again when another process changed it since this store last read or wrote it (two
   * `topo --sandbox` commands in two shells share one workspace): called before each request.
   */
  refresh(): void {
    if (!this.dataFile) return;
    const now = stamp(this.dataFile);
    if (now === undefined || now === this.seen) return;
    this.seen = now;
    let state: SandboxState;
    try {
      state = loadState(this.dataFile);
    } catch {
      return; // not a workspace now: this one goes on, and its next change writes it back
    }
    this.take(state);
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
      const seen = stamp(options.dataFile);
      const store = new SandboxStore(loadState(options.dataFile), options.dataFile, clock);
      store.seen = seen;
      return store;
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

  /** The task's conversation; outbound messages greet its run's contact. */
  thread(task: Task): Message[] {
    const run = this.run(task.sequence_id);
    const contactId = run?.contact_id;
    const contact = typeof contactId === 'string' ? this.contact(contactId) : undefined;
    const firstName = contact?.first_name;
    return threadFor(this.state, task, typeof firstName === 'string' ? firstName : null);
  }

  /** A sequence run: one per distinct task `sequence_id`, with any override applied. */
  run(id: string): SequenceRun | undefined {
    const cached = this.runCache.get(id);
    if (cached) return cached;
    const tasks = this.bySequence.get(id);
    if (!tasks) return undefined;
    const run = this.withOverride(
      'runs',
      id,
      buildRun(this.state, id, this.seedOf(id), tasks, this.anchor),
    ) as SequenceRun;
    this.runCache.set(id, run);
    this.builds++;
    return run;
  }

  /** Every run, in the order their first task was added. */
  runs(): SequenceRun[] {
    return [...this.bySequence.keys()].map((id) => this.run(id)!);
  }

  /** A contact by id: each run draws its own, except the runs whose contact was deleted. */
  contact(id: string): Contact | undefined {
    const cached = this.contactCache.get(id);
    if (cached) return cached;
    const runId = this.contactIndex().get(id);
    if (runId === undefined) return undefined;
    const times = runTimes(this.seedOf(runId), this.sequence(runId), this.anchor);
    const contact = this.withOverride('contacts', id, buildContact(this.state, id, times)) as Contact;
    this.contactCache.set(id, contact);
    this.builds++;
    return contact;
  }

  /** Every contact, in the order of their runs. */
  contacts(): Contact[] {
    return [...this.contactIndex().keys()].map((id) => this.contact(id)!);
  }

  /** The workspace's five sequence templates: four that hold runs, one archived without runs. */
  templates(): SequenceTemplate[] {
    this.templateCache ??= seededTemplates(this.state, this.anchor).map(
      (t) => this.withOverride('templates', t.id, t) as SequenceTemplate,
    );
    return this.templateCache;
  }

  template(id: string): SequenceTemplate | undefined {
    return this.templates().find((t) => t.id === id);
  }

  listRuns(filter: RunFilter): SequenceRun[] {
    return this.cachedList(`runs ${JSON.stringify(filter)}`, () =>
      sortRecords(
        this.runs().filter((r) => !filter.status || r.status === filter.status),
        filter.sortBy,
        filter.sortOrder,
      ),
    );
  }

  listTemplates(filter: TemplateFilter): SequenceTemplate[] {
    return this.cachedList(`templates ${JSON.stringify(filter)}`, () =>
      sortRecords(
        this.templates().filter((t) => {
          if (filter.name !== undefined && t.name !== filter.name) return false;
          if (filter.status && t.status !== filter.status) return false;
          const created = Date.parse(String(t.created_at));
          if (filter.createdAfter !== undefined && !(created > filter.createdAfter)) return false;
          if (filter.createdBefore !== undefined && !(created < filter.createdBefore)) return false;
          return true;
        }),
        filter.sortBy,
        filter.sortOrder,
      ),
    );
  }

  listContacts(filter: ContactFilter): Contact[] {
    const email = filter.email?.toLowerCase();
    return this.cachedList(`contacts ${JSON.stringify(filter)}`, () =>
      sortRecords(
        (filter.contactId ? [this.contact(filter.contactId)] : this.contacts()).filter((c): c is Contact => {
          if (!c) return false;
          if (email !== undefined && (typeof c.email !== 'string' || c.email.toLowerCase() !== email))
            return false;
          if (filter.linkedinUrl !== undefined && c.linkedin_url !== filter.linkedinUrl) return false;
          const first = Date.parse(String(c.first_seen_at));
          const last = Date.parse(String(c.last_seen_at));
          if (filter.firstSeenAfter !== undefined && !(first > filter.firstSeenAfter)) return false;
          if (filter.lastSeenAfter !== undefined && !(last > filter.lastSeenAfter)) return false;
          return true;
        }),
        filter.sortBy,
        filter.sortOrder,
      ),
    );
  }

  /**
   * The types the workspace's tasks have, kept as tasks are added: a listing filtered by known types never scans
   * every task for it. Asked for one not seen, the tasks are looked at again (a test may change one in place).
   */
  taskTypes(wanted: readonly string[] = []): string[] {
    if (wanted.some((t) => !this.types.has(t)))
      for (const task of this.state.tasks) this.types.add(task.type);
    return [...this.types];
  }

  isUser(id: string): boolean {
    return this.state.users.some((u) => u.id === id);
  }

  /** Filtered, sorted tasks; cached per filter until the next change, so walking pages stays O(page). */
  list(filter: ListFilter): Task[] {
    return this.cachedList(`tasks ${JSON.stringify(filter)}`, () => this.filterTasks(filter));
  }

  private filterTasks(filter: ListFilter): Task[] {
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
    return sortRecords(result, filter.sortBy, filter.sortOrder);
  }

  private cachedList<T>(key: string, build: () => T[]): T[] {
    const cached = this.listCache.get(key);
    if (cached) return cached as T[];
    const result = build();
    if (this.listCache.size > 64) this.listCache.clear();
    this.listCache.set(key, result);
    return result;
  }

  /** Adds a task as given, unknown fields and values included (for tests of what the API may add). */
  insert(task: Task): void {
    this.state.tasks.push(task);
    this.index(task);
    this.changed(task.sequence_id);
  }

  /**
   * Creates a task now, as Topo does when a sequence reaches a manual step. Unless told otherwise it is a
   * PENDING EMAIL_REPLY of priority TODAY for the first user, in a new run that has a template and a contact.
   * Ids are drawn from the seed and the number of tasks, so the same steps give the same ids.
   */
  createTask(fields: NewTask = {}): Task {
    const rng = new Random(hashString(`task ${this.state.tasks.length}`, this.state.seed >>> 0));
    let sequenceId = fields.sequence_id?.toLowerCase();
    while (sequenceId === undefined) {
      const candidate = rng.uuid();
      if (!this.bySequence.has(candidate) && this.seedOf(candidate).contact_id !== null)
        sequenceId = candidate;
    }
    let id = rng.uuid();
    while (this.byId.has(id)) id = rng.uuid();
    const now = isoSeconds(this.clock());
    const type = fields.type ?? 'EMAIL_REPLY';
    const status = fields.status ?? 'PENDING';
    const task: Task = {
      id,
      organization_id: this.state.organization_id,
      type,
      priority: fields.priority ?? 'TODAY',
      status,
      sequence_id: sequenceId,
      assignee_user_id:
        fields.assignee_user_id === undefined
          ? (this.state.users[0]?.id ?? null)
          : (fields.assignee_user_id?.toLowerCase() ?? null),
      disposition: type === 'CALL' && status === 'COMPLETED' ? 'ANSWERED' : null,
      reopened_at: null,
      reopen_reason: null,
      skipped_at: status === 'SKIPPED' ? now : null,
      completed_at: status === 'COMPLETED' ? now : null,
      created_at: now,
      updated_at: now,
    };
    this.insert(task);
    return task;
  }

  /** Sets fields of a run over what is derived (e.g. `contact_id: null` for a deleted contact). */
  patchRun(id: string, fields: Record<string, unknown>): SequenceRun | undefined {
    if (!this.bySequence.has(id)) return undefined;
    this.setOverride('runs', id, fields);
    if ('sequence_template_id' in fields) {
      const templateId = this.run(id)!.sequence_template_id;
      this.templateOf.set(id, typeof templateId === 'string' ? templateId : '');
    }
    return this.run(id);
  }

  /** Sets fields of a contact over what is derived (hostile names, a missing email, …). */
  patchContact(id: string, fields: Record<string, unknown>): Contact | undefined {
    if (!this.contactIndex().has(id)) return undefined;
    this.setOverride('contacts', id, fields);
    return this.contact(id);
  }

  /** Sets fields of a template over what is derived (a null name, a new status, …). */
  patchTemplate(id: string, fields: Record<string, unknown>): SequenceTemplate | undefined {
    if (!this.template(id)) return undefined;
    this.setOverride('templates', id, fields);
    return this.template(id);
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
      const senders = (this.current.senders ??= {});
      if (!Object.hasOwn(senders, t.id)) senders[t.id] = t.assignee_user_id;
      t.assignee_user_id = assignee;
      t.updated_at = now;
      changed = true;
    }
    if (changed) this.changed(task.sequence_id);
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
    this.changed(task.sequence_id);
    return { ok: true, task, changed: true };
  }

  private index(task: Task): void {
    this.byId.set(task.id, task);
    this.types.add(task.type);
    this.createdMs.set(task.id, Date.parse(task.created_at));
    let run = this.bySequence.get(task.sequence_id);
    if (!run) {
      run = [];
      this.bySequence.set(task.sequence_id, run);
      // Runs share a handful of templates, drawn from the run id so the data file need not store them.
      const override = this.state.overrides?.runs?.[task.sequence_id]?.sequence_template_id;
      this.templateOf.set(
        task.sequence_id,
        typeof override === 'string' ? override : templateIdFor(this.state, task.sequence_id),
      );
      if (this.contactRuns) {
        const contactId = this.seedOf(task.sequence_id).contact_id;
        if (contactId !== null) this.contactRuns.set(contactId, task.sequence_id);
      }
    }
    run.push(task);
  }

  private seedOf(runId: string): RunSeed {
    let seed = this.seeds.get(runId);
    if (!seed) {
      seed = runSeed(this.state, runId);
      this.seeds.set(runId, seed);
    }
    return seed;
  }

  private contactIndex(): Map<string, string> {
    if (!this.contactRuns) {
      this.contactRuns = new Map();
      for (const runId of this.bySequence.keys()) {
        const contactId = this.seedOf(runId).contact_id;
        if (contactId !== null) this.contactRuns.set(contactId, runId);
      }
    }
    return this.contactRuns;
  }

  private withOverride<T extends object>(kind: keyof SandboxOverrides, id: string, derived: T): T {
    const override = this.state.overrides?.[kind]?.[id];
    return override ? { ...derived, ...override, id } : derived;
  }

  private setOverride(kind: keyof SandboxOverrides, id: string, fields: Record<string, unknown>): void {
    const overrides = (this.state.overrides ??= {});
    const byId = (overrides[kind] ??= {});
    const { id: _ignored, ...rest } = fields;
    byId[id] = { ...byId[id], ...rest };
    if (kind === 'runs') this.runCache.delete(id);
    if (kind === 'contacts') this.contactCache.delete(id);
    if (kind === 'templates') this.templateCache = undefined;
    this.changed();
  }

  /** Drops what the change made stale (the run's own objects when one is named) and saves. */
  private changed(runId?: string): void {
    if (runId !== undefined) {
      this.runCache.delete(runId);
      const contactId = this.seedOf(runId).contact_id;
      if (contactId !== null) this.contactCache.delete(contactId);
    }
    this.listCache.clear();
    this.save();
  }

  private save(): void {
    if (!this.dataFile) return;
    const dir = dirname(this.dataFile);
    // A folder it makes is the owner's alone, whatever the umask (the state holds a workspace's data).
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
    }
    const tmp = `${this.dataFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state), { mode: 0o600 });
    renameSync(tmp, this.dataFile);
    this.seen = stamp(this.dataFile);
  }
}

/** What tells one version of the data file from another: its inode (a save renames a new file in), size and time. */
function stamp(file: string): string | undefined {
  try {
    const { ino, size, mtimeMs } = statSync(file);
    return `${ino} ${size} ${mtimeMs}`;
  } catch {
    return undefined;
  }
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
  if (
    !state ||
    state.version !== 1 ||
    !Array.isArray(state.tasks) ||
    !Array.isArray(state.users) ||
    (state.overrides !== undefined && (typeof state.overrides !== 'object' || state.overrides === null)) ||
    (state.senders !== undefined && (typeof state.senders !== 'object' || state.senders === null))
  ) {
    throw new SandboxDataError(
      `sandbox data file ${file} is not a topo sandbox state; delete it or use --reset`,
    );
  }
  return state as SandboxState;
}

export class SandboxDataError extends Error {}

/** Sorted by a field (absent or null first when ascending), ties broken by id, as Topo's listings are. */
function sortRecords<T extends { id: string; [field: string]: unknown }>(
  records: T[],
  field: string,
  order: SortOrder,
): T[] {
  const sign = order === 'desc' ? -1 : 1;
  const key = (r: T): string => {
    const v = r[field];
    return v === null || v === undefined ? '' : String(v);
  };
  return records.sort((a, b) => {
    const av = key(a);
    const bv = key(b);
    if (av !== bv) return av < bv ? -sign : sign;
    return a.id < b.id ? -sign : a.id > b.id ? sign : 0;
  });
}
