import type { Task } from '../api/types.js';

/** What a bulk change would do to each task (a preview) and what it did (an outcome): one shape for every command. */

/** `not_attempted`: a stop came first (a refusal that would hit every task, Ctrl-C); nothing was sent for it. */
export type ItemResult = 'changed' | 'unchanged' | 'failed' | 'not_attempted';

/** Why an item failed: the API's status, type and request id kept. */
export interface ItemError {
  status: number | null;
  type: string | null;
  message: string;
  request_id: string | null;
}

/** What happened to one task of a bulk change. */
export interface ItemOutcome {
  id: string;
  result: ItemResult;
  task: Task | null;
  error: ItemError | null;
}

/** `would_move` and `kept`: an offboarding's dry run (what goes to a successor, what the cap keeps back). */
export type PreviewResult = 'would_change' | 'would_move' | 'unchanged' | 'kept' | 'would_fail' | 'failed';

export interface PreviewItem {
  id: string;
  result: PreviewResult;
  task: Task | null;
  error: ItemError | null;
  /** The new status (skip, reopen) or the new assignee's UUID (reassign). */
  target: string;
  /** Why, in words, for the table (a task that could not be read: its error says). */
  why: string;
}
