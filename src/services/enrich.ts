import pLimit from 'p-limit';
import type { ApiClient } from '../api/client.js';
import { getContact } from '../api/contacts.js';
import { ApiError } from '../api/errors.js';
import { getRun } from '../api/sequences.js';
import { getMe } from '../api/tasks.js';
import { getTemplate } from '../api/templates.js';
import type { Contact, SequenceRun, SequenceTemplate, Task } from '../api/types.js';
import { SCOPES } from '../api/wire.js';
import type { EnrichNotice, Related, Relation, TaskRow } from '../domain/task.js';

/**
 * Who and what a task is about: its sequence run, the run's contact and campaign (template). Each resource is
 * fetched at most once per command, lookups share one bounded pool, and a key without the scope a lookup
 * needs gets one notice and the UUIDs, never an error. Nothing here is written anywhere.
 */

/**
 * Lookups in flight at once: enough for a page's runs, contacts and campaigns together (a contact or a
 * campaign is asked for as soon as its run arrives, so nothing waits behind the other runs), and so a page
 * resolves in two round trips after its tasks. The client's pacer still holds them to the API's rate.
 */
const LOOKUPS_AT_ONCE = 64;

type Lookup<T> = Promise<T | null | undefined>;

export class Enricher {
  private readonly runs = new Map<string, Lookup<SequenceRun>>();
  private readonly contacts = new Map<string, Lookup<Contact>>();
  private readonly templates = new Map<string, Lookup<SequenceTemplate>>();
  private readonly limit = pLimit(LOOKUPS_AT_ONCE);
  private readonly denied = new Set<string>();
  private failure: unknown;
  private readonly scopes: Promise<readonly string[] | undefined>;

  constructor(
    private readonly client: ApiClient,
    /** Where notices go: each is given once. */
    private readonly notice: (notice: EnrichNotice) => void,
  ) {
    // The key's scopes, asked once: a key without them is never sent a lookup it would be refused.
    this.scopes = getMe(client).then(
      (me) => (Array.isArray(me.scopes) ? me.scopes : undefined),
      () => undefined,
    );
    this.scopes.catch(() => undefined);
  }

  /** Whether the key may read runs and templates, and contacts (undefined: not known). */
  async allows(): Promise<{ sequences: boolean; contacts: boolean }> {
    const scopes = await this.scopes;
    return {
      sequences: !this.denied.has(SCOPES.sequencesRead) && (scopes?.includes(SCOPES.sequencesRead) ?? true),
      contacts: !this.denied.has(SCOPES.contactsRead) && (scopes?.includes(SCOPES.contactsRead) ?? true),
    };
  }

  /** The related objects of each task, for the relations asked for (in the tasks' order). */
  async relate(tasks: readonly Task[], want: ReadonlySet<Relation>): Promise<Related[]> {
    if (want.size === 0) return tasks.map(() => ({}));
    const allowed = await this.allows();
    const needContact = want.has('contact') && allowed.contacts;
    // One notice naming every scope the views asked for lack.
    this.deny(
      ...(allowed.sequences ? [] : [SCOPES.sequencesRead]),
      ...(want.has('contact') && !allowed.contacts ? [SCOPES.contactsRead] : []),
    );
    return Promise.all(
      tasks.map(async (task): Promise<Related> => {
        if (!allowed.sequences) return {};
        const run = await this.run(task.sequence_id);
        const related: Related = {};
        if (want.has('run')) related.run = run;
        if (run === undefined) return related;
        const [contact, template] = await Promise.all([
          needContact ? this.contact(run) : undefined,
          want.has('template') ? this.template(run) : undefined,
        ]);
        if (needContact && contact !== undefined) related.contact = contact;
        if (want.has('template') && template !== undefined) related.template = template;
        return related;
      }),
    );
  }

  /** Runs by id, with their campaigns when asked (for reports and checks that start from runs). */
  async ofRuns(
    runIds: readonly string[],
    withTemplates: boolean,
  ): Promise<
    Map<string, { run: SequenceRun | null | undefined; template: SequenceTemplate | null | undefined }>
  > {
    const allowed = await this.allows();
    if (!allowed.sequences) this.deny(SCOPES.sequencesRead);
    const entries = await Promise.all(
      [...new Set(runIds)].map(async (id) => {
        const run = allowed.sequences ? await this.run(id) : undefined;
        const template = withTemplates && run ? await this.template(run) : undefined;
        return [id, { run, template }] as const;
      }),
    );
    return new Map(entries);
  }

  private run(id: string): Lookup<SequenceRun> {
    return memo(this.runs, id, () => this.fetch(SCOPES.sequencesRead, () => getRun(this.client, id)));
  }

  private template(run: SequenceRun | null): Lookup<SequenceTemplate> {
    if (!run) return Promise.resolve(undefined);
    const id = run.sequence_template_id;
    return memo(this.templates, id, () =>
      this.fetch(SCOPES.sequencesRead, () => getTemplate(this.client, id)),
    );
  }

  private contact(run: SequenceRun | null): Lookup<Contact> {
    if (!run) return Promise.resolve(undefined);
    // A run whose contact was deleted says so with a null contact_id.
    if (run.contact_id === null) return Promise.resolve(null);
    const id = run.contact_id;
    if (this.denied.has(SCOPES.contactsRead)) return Promise.resolve(undefined);
    return memo(this.contacts, id, () => this.fetch(SCOPES.contactsRead, () => getContact(this.client, id)));
  }

  /**
   * One lookup through the shared pool: null when the resource is gone (404), undefined when it cannot be
   * known (a refused scope, or a failure after the client's retries), with one notice for each cause.
   */
  private fetch<T>(scope: string, get: () => Promise<T>): Lookup<T> {
    return this.limit(async () => {
      if (this.denied.has(scope)) return undefined;
      try {
        return await get();
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null;
        if (error instanceof ApiError && error.status === 403) {
          this.deny(scope);
          return undefined;
        }
        if (error instanceof ApiError && error.status === 401) throw error;
        if (this.failure === undefined) {
          this.failure = error;
          this.notice({ kind: 'lookup-failed', error });
        }
        return undefined;
      }
    });
  }

  /** Notes once, in one line, the scopes the key lacks that were not noted before. */
  private deny(...scopes: string[]): void {
    const fresh = scopes.filter((scope) => !this.denied.has(scope));
    if (fresh.length === 0) return;
    for (const scope of fresh) this.denied.add(scope);
    this.notice({ kind: 'missing-scopes', scopes: fresh });
  }
}

function memo<T>(cache: Map<string, Lookup<T>>, id: string, load: () => Lookup<T>): Lookup<T> {
  let found = cache.get(id);
  if (!found) {
    found = load();
    cache.set(id, found);
  }
  return found;
}

/** Relations asked for by `--with`, and by the `--json` fields and `--query` names that name them. */
export function relationsWanted(
  withFlag: readonly Relation[],
  jsonFields: readonly string[] | undefined,
): Relation[] {
  const keys: Record<string, Relation> = {
    contact: 'contact',
    sequence_template: 'template',
    sequence_run: 'run',
  };
  const fromFields = (jsonFields ?? []).map((f) => keys[f]).filter((r): r is Relation => r !== undefined);
  return [...new Set([...withFlag, ...fromFields])];
}

/** What a row without lookups has: nothing (one object for every such row; never written to). */
const NOTHING_RELATED: Related = Object.freeze({});

/** Tasks as table rows with their related objects, looked up a batch at a time as the tasks arrive. */
export async function* relatedRows(
  tasks: AsyncIterable<Task>,
  enricher: Enricher | undefined,
  want: ReadonlySet<Relation>,
  batchSize: number,
  /** Counts the rows handed on: what was printed when a walk fails part-way. */
  handed: { rows: number } = { rows: 0 },
): AsyncGenerator<TaskRow> {
  let batch: Task[] = [];
  // The rows of a batch are yielded from here, not through a generator of their own: each level of async
  // generators costs every task a promise and a step more (a walk of every page yields 100,000s).
  const flush = async (): Promise<TaskRow[]> => {
    const related = enricher ? await enricher.relate(batch, want) : undefined;
    const rows = batch.map((task, i) => ({ task, related: related ? related[i]! : NOTHING_RELATED }));
    batch = [];
    return rows;
  };
  for await (const task of tasks) {
    batch.push(task);
    if (batch.length >= batchSize)
      for (const row of await flush()) {
        handed.rows++;
        yield row;
      }
  }
  if (batch.length)
    for (const row of await flush()) {
      handed.rows++;
      yield row;
    }
}
