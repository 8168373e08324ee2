import type { ApiClient } from './client.js';
import { checkRun } from './shape.js';
import type { SequenceRun } from './types.js';
import { PATHS } from './wire.js';

/** Sequence runs (scope sequences:read): one contact's live sequence, which a task's `sequence_id` names. */

export function getRun(client: ApiClient, id: string): Promise<SequenceRun> {
  return client.send<SequenceRun>({ method: 'GET', path: PATHS.sequence(id), shape: checkRun });
}
