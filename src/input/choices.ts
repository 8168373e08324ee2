/** The values of choice flags, shared by the commands that take them and by shell completion. */

export const STATUS_CHOICES = ['open', 'pending', 'in_progress', 'completed', 'skipped', 'all'] as const;
export const SORT_CHOICES = ['created', 'updated'] as const;
export const ORDER_CHOICES = ['asc', 'desc'] as const;
export const SCOPE_CHOICES = ['task', 'sequence'] as const;
export const WITH_CHOICES = ['contact', 'template', 'run'] as const;

/**
 * --concurrency of bulk work: where calls at once start, and a cap. After 429s the client's pacer keeps fewer in
 * flight, spaced to the rate the API accepts, and lets them grow back to this as answers flow.
 */
export const BULK_CONCURRENCY = { default: 16, max: 64 } as const;
