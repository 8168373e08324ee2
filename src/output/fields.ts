/** Field lists that commands name when they register (kept free of imports: start-up stays light). */

/** The keys of each result of a bulk change (skip, reopen, reassign by id): `--json` prints an array of them. */
export const OUTCOME_FIELDS = ['id', 'result', 'task', 'error'] as const;

/** The keys of the report of an offboarding, an undo or a return (`--json`). */
export const JOB_REPORT_FIELDS = [
  'kind',
  'job',
  'journal',
  'from',
  'to',
  'until',
  'plan',
  'calls',
  'moved',
  'moved_before',
  'failed',
  'not_started',
  'kept',
  'skipped',
  'remaining',
  'blocked_runs',
  'interrupted',
  'dry_run',
  'planned_by',
  'applied_by',
  'tasks',
  'stats',
] as const;

/** The keys of each job of `tasks reassign --jobs`. */
export const JOB_LIST_FIELDS = [
  'id',
  'created',
  'from',
  'to',
  'moved',
  'left',
  'back',
  'until',
  'state',
  'journal',
  'planned_by',
  'applied_by',
  'kind',
  'swept',
  'swept_at',
] as const;
