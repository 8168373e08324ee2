import { ApiError, exitCodeForStatus } from '../api/errors.js';
import { EXIT, PartialFailureError, TopoError, type ExitCode } from '../errors.js';
import type { ItemError, ItemOutcome } from '../domain/outcome.js';

/** What bulk changes share: per-item results, a bounded pool of workers, exit codes. */

export function errorOf(error: unknown): ItemError {
  if (error instanceof ApiError) {
    return {
      status: error.status,
      type: error.type ?? null,
      message: error.message,
      request_id: error.requestId ?? null,
    };
  }
  return {
    status: null,
    type: error instanceof TopoError ? error.name : null,
    message: error instanceof Error ? error.message : String(error),
    request_id: null,
  };
}

/** The error an item's failure stands for, with the API's status, type and request id kept. */
export function errorFromItem(e: ItemError, message = e.message): TopoError {
  if (e.status !== null)
    return new ApiError(message, e.status, e.type ?? undefined, e.request_id ?? undefined, null);
  return new TopoError(message);
}

/** Whether running the same command again may fix this failure (not a 404 or a refused state). */
export function isRetryable(e: ItemError): boolean {
  return e.status === null || e.status === 409 || e.status === 429 || e.status >= 500;
}

/** The client's requests that are waiting out a 429 (see runPool). */
export interface RateLimitWaits {
  readonly waitingOut: number;
  onWaitingOut(listener: () => void): () => void;
}

/**
 * Runs work over items with at most `concurrency` at once, in input order of starting. `shouldStop` is checked
 * before each new item starts, so an abort lets the ones in flight finish; after an item fails no new one
 * starts and the failure is thrown once those in flight have ended.
 *
 * With `waits` (the client the work goes through), an item whose request waits out a 429 does not hold its
 * place: another item starts in its stead (up to twice `concurrency` at once), so that a Retry-After rounded up
 * to whole seconds does not idle the run while the API has room. The client's pacer still decides when each
 * request goes out.
 */
export function runPool<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
  shouldStop: () => boolean = () => false,
  waits?: RateLimitWaits,
): Promise<(R | undefined)[]> {
  const results: (R | undefined)[] = new Array(items.length);
  const most = Math.max(1, concurrency) * (waits ? 2 : 1);
  return new Promise((resolve, reject) => {
    let next = 0;
    let running = 0;
    let failure: { error: unknown } | undefined;
    const unsubscribe = waits?.onWaitingOut(() => launch()) ?? (() => undefined);
    // Starts what may start now; once nothing runs and nothing more will start, the pool ends.
    const launch = () => {
      const limit = Math.min(most, Math.max(1, concurrency) + (waits?.waitingOut ?? 0));
      while (!failure && running < limit && next < items.length && !shouldStop()) {
        const index = next++;
        running++;
        let pending: Promise<R>;
        try {
          pending = work(items[index]!, index);
        } catch (error) {
          pending = Promise.reject(error);
        }
        pending.then(
          (result) => {
            results[index] = result;
            running--;
            launch();
          },
          (error: unknown) => {
            failure ??= { error };
            running--;
            launch();
          },
        );
      }
      if (running > 0) return;
      unsubscribe();
      if (failure) reject(failure.error);
      else resolve(results);
    };
    launch();
  });
}

/**
 * The exit code of a bulk run: 0 when nothing failed; 6 when some items succeeded and some failed; when all
 * failed, the items' common code (5 refused, 3 not found, …) or 1.
 */
export function bulkExitCode(outcomes: readonly ItemOutcome[]): ExitCode {
  const failed = outcomes.filter((o) => o.result === 'failed');
  if (failed.length === 0) return EXIT.ok;
  if (failed.length < outcomes.length) return EXIT.partial;
  const codes = new Set(
    failed.map((o) => (o.error?.status ? exitCodeForStatus(o.error.status) : EXIT.failure)),
  );
  return codes.size === 1 ? [...codes][0]! : EXIT.failure;
}

/**
 * The error of a bulk change that did not all go through, the one way it is raised: exit 6 when some items
 * changed (a partial failure); when all failed, their common status and type, or their common exit code.
 */
export function bulkFailure(outcomes: readonly ItemOutcome[], message: string): TopoError {
  const code = bulkExitCode(outcomes);
  if (code === EXIT.partial) return new PartialFailureError(message);
  const failed = outcomes.filter((o) => o.result === 'failed');
  const kinds = new Set(failed.map((f) => `${f.error?.status}/${f.error?.type}`));
  // All failed alike: the shared status and type (not one item's request id); else a plain failure.
  if (kinds.size === 1 && failed[0]?.error)
    return errorFromItem({ ...failed[0].error, request_id: null }, message);
  return new TopoError(message, code);
}

export function isAuthFailure(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 401 || error.status === 403);
}
