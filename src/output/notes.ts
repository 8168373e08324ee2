import { SCOPES } from '../api/wire.js';
import type { EnrichNotice } from '../domain/task.js';
import type { Signal } from '../errors.js';
import { describeError } from './errors.js';

/** Notes for the person (stderr) about what a command could not show or do, from what a service reported. */

/** What the lookups of contacts and campaigns could not do. */
export function enrichNote(n: EnrichNotice, sandbox = false): string {
  if (n.kind === 'lookup-failed')
    return `note: some contacts and campaigns could not be looked up (${describeError(n.error)}); their IDs are shown instead`;
  const what = !n.scopes.includes(SCOPES.sequencesRead)
    ? 'contact names and details are not shown'
    : n.scopes.length > 1
      ? 'contacts and campaigns are not shown'
      : 'contacts and campaigns are not shown (runs and templates need it)';
  const several = n.scopes.length > 1;
  // The sandbox's keys are its demo keys: one with every scope is there for the asking.
  const remedy = sandbox
    ? "Unset TOPO_API_KEY for the sandbox's demo key with every scope."
    : `Create a key with ${several ? 'them' : 'it'} (Settings → Developers → API Keys) and run 'topo auth login'.`;
  return `note: this API key lacks the ${n.scopes.map((scope) => `'${scope}'`).join(' and ')} scope${several ? 's' : ''}, so ${what}. ${remedy}`;
}

/** What bulk work says when a signal asks it to stop: what it is doing first (the calls in flight finish). */
export function stoppingLine(signal: Signal, doing = 'letting the calls in flight finish'): string {
  return signal === 'SIGINT'
    ? `Stopping: ${doing} (Ctrl-C again to quit at once)…`
    : `Stopping (SIGTERM): ${doing} (a second signal quits at once)…`;
}
