/** Wire types of Topo's Tasks API. Enums stay open: the API may add values inside v1. */

/** The four of the Tasks API reference, and the two Topo's other published surfaces show (to-dos, playbooks). */
export const TASK_TYPES = [
  'CALL',
  'EMAIL_REPLY',
  'LINKEDIN_REPLY',
  'NEW_LEAD_REVIEW',
  'TODO',
  'PLAYBOOK_APPROVAL',
] as const;
export const TASK_PRIORITIES = ['HOT', 'TODAY', 'EXTRA'] as const;
export const TASK_STATUSES = ['PENDING', 'IN_PROGRESS', 'COMPLETED', 'SKIPPED'] as const;
export const DISPOSITIONS = ['ANSWERED', 'VOICEMAIL_LEFT', 'NO_ANSWER'] as const;
export const REOPEN_REASONS = ['REMINDER_RULE'] as const;
export const SORT_FIELDS = ['created_at', 'updated_at'] as const;
export const SORT_ORDERS = ['asc', 'desc'] as const;
export const REASSIGN_SCOPES = ['TASK', 'SEQUENCE'] as const;
export const MESSAGE_CHANNELS = ['EMAIL', 'LINKEDIN', 'CALENDAR', 'MANUAL'] as const;
export const MESSAGE_DIRECTIONS = ['INBOUND', 'OUTBOUND'] as const;

/** A known value, or any string the API adds later. */
type Open<T extends string> = T | (string & {});

export type TaskType = (typeof TASK_TYPES)[number];
export type TaskPriority = (typeof TASK_PRIORITIES)[number];
export type TaskStatus = (typeof TASK_STATUSES)[number];
export type SortField = (typeof SORT_FIELDS)[number];
export type SortOrder = (typeof SORT_ORDERS)[number];
export type ReassignScope = (typeof REASSIGN_SCOPES)[number];

export const OPEN_STATUSES: readonly TaskStatus[] = ['PENDING', 'IN_PROGRESS'];

export interface Task {
  id: string;
  organization_id: string;
  type: Open<TaskType>;
  priority: Open<TaskPriority>;
  status: Open<TaskStatus>;
  sequence_id: string;
  assignee_user_id: string | null;
  disposition: Open<(typeof DISPOSITIONS)[number]> | null;
  reopened_at: string | null;
  reopen_reason: Open<(typeof REOPEN_REASONS)[number]> | null;
  skipped_at: string | null;
  completed_at: string | null;
  created_at: string;
  updated_at: string;
  /** Fields the API adds later are kept as received. */
  [extra: string]: unknown;
}

export const TASK_FIELDS = [
  'id',
  'organization_id',
  'type',
  'priority',
  'status',
  'sequence_id',
  'assignee_user_id',
  'disposition',
  'reopened_at',
  'reopen_reason',
  'skipped_at',
  'completed_at',
  'created_at',
  'updated_at',
] as const;

export interface Message {
  id: string;
  channel: Open<(typeof MESSAGE_CHANNELS)[number]>;
  direction: Open<(typeof MESSAGE_DIRECTIONS)[number]>;
  subject: string | null;
  body: string;
  sent_at: string;
  sender_id: string | null;
  [extra: string]: unknown;
}

export const MESSAGE_FIELDS = [
  'id',
  'channel',
  'direction',
  'subject',
  'body',
  'sent_at',
  'sender_id',
] as const;

export interface Page<T> {
  items: T[];
  total_count: number;
  total_pages: number;
  has_more: boolean;
}

export interface ApiKeyInfo {
  id: string;
  organization_id: string;
  name: string;
  key_prefix: string;
  scopes: string[];
  last_used_at: string | null;
  created_at: string;
  [extra: string]: unknown;
}

export interface ApiErrorBody {
  status_code?: number;
  type?: string;
  message?: string;
  data?: unknown;
  request_id?: string;
  trace_id?: string;
  span_id?: string;
}

/** Sequence runs, templates (campaigns) and contacts: the companion resources that make a task human. */

export const RUN_STATUSES = [
  'ACTIVE',
  'WAITING_FOR_LEAD',
  'WAITING_FOR_USER',
  'SUCCEEDED',
  'FAILED',
  'STOPPED_EARLY',
  'COMPLETED',
  'FOUND',
  'REFUSED',
] as const;
export const TEMPLATE_STATUSES = ['PENDING_SETUP', 'ACTIVE', 'INACTIVE', 'FINISHING', 'ARCHIVED'] as const;

/** One contact's live sequence: what a task's `sequence_id` names. */
export interface SequenceRun {
  id: string;
  organization_id: string;
  /** null when the contact was deleted. */
  contact_id: string | null;
  sequence_template_id: string;
  status: Open<(typeof RUN_STATUSES)[number]>;
  variables: Record<string, unknown> | null;
  source_contact_list_id: string | null;
  last_step_executed_at: string | null;
  created_at: string;
  updated_at: string;
  [extra: string]: unknown;
}

/** A campaign: the sequence a run was started from. */
export interface SequenceTemplate {
  id: string;
  name: string | null;
  summary: string | null;
  status: Open<(typeof TEMPLATE_STATUSES)[number]>;
  step_count: number;
  language: string | null;
  timezone: string;
  activated_at: string | null;
  created_at: string;
  updated_at: string;
  [extra: string]: unknown;
}

/** A person a sequence reaches. Personal data: shown, never written to disk or logs. */
export interface Contact {
  id: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  job_title: string | null;
  linkedin_url: string | null;
  phone_number: string | null;
  city: string | null;
  state: string | null;
  country: string | null;
  profile_picture_url: string | null;
  company_name: string | null;
  company_domain: string | null;
  first_seen_at: string;
  last_seen_at: string;
  [extra: string]: unknown;
}

export const TEMPLATE_FIELDS = [
  'id',
  'name',
  'summary',
  'status',
  'step_count',
  'language',
  'timezone',
  'activated_at',
  'created_at',
  'updated_at',
] as const;

/** Filters of GET /v1/tasks, in the CLI's own terms; tasks.ts turns them into wire names. */
export interface TaskQuery {
  status?: TaskStatus;
  types?: string[];
  priorities?: string[];
  templateIds?: string[];
  assigneeUserId?: string;
  sequenceId?: string;
  createdAfter?: string;
  createdBefore?: string;
  sortBy?: SortField;
  sortOrder?: SortOrder;
}

/** `sort_by` values of the companion listings (sequence runs sort by SORT_FIELDS). */
export const TEMPLATE_SORT_FIELDS = ['created_at', 'updated_at', 'name'] as const;
export const CONTACT_SORT_FIELDS = ['first_seen_at', 'last_seen_at', 'email'] as const;
