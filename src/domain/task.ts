import {
  OPEN_STATUSES,
  type Contact,
  type SequenceRun,
  type SequenceTemplate,
  type Task,
} from '../api/types.js';
import { safeText } from '../basics/text.js';

/** A task as topo works with it: with what was looked up about it, whether it is open, who holds it. */

/** What a task's sequence run, contact and campaign are, when they were looked up. */
export interface Related {
  /** undefined: not looked up (or not allowed); null: gone (a deleted contact). */
  run?: SequenceRun | null;
  contact?: Contact | null;
  template?: SequenceTemplate | null;
}

export interface TaskRow {
  task: Task;
  related?: Related;
}

export type Relation = 'contact' | 'template' | 'run';

/** What the lookups could not do, said once each by whoever shows the tasks (see output/notes.ts). */
export type EnrichNotice =
  /** The key lacks these scopes (newly found): what they would show is left out. */
  | { kind: 'missing-scopes'; scopes: string[] }
  /** A lookup failed after the client's retries: IDs are shown instead. */
  | { kind: 'lookup-failed'; error: unknown };

/** Pending or in progress: what can still be done, skipped or moved. */
export function isOpen(task: Task): boolean {
  return (OPEN_STATUSES as readonly string[]).includes(task.status);
}

/** UUID → alias, or 'unassigned'. */
export type Who = (id: string | null) => string;

export function whoFrom(names: Map<string, string>): Who {
  return (id) => (id ? safeText(names.get(id) ?? id) : 'unassigned');
}
