/** Every wire name of the Tasks API lives here, so a correction to the contract is a one-line change. */

export const PATHS = {
  me: '/me',
  tasks: '/tasks',
  task: (id: string) => `/tasks/${encodeURIComponent(id)}`,
  messages: (id: string) => `/tasks/${encodeURIComponent(id)}/messages`,
  skip: (id: string) => `/tasks/${encodeURIComponent(id)}/skip`,
  reopen: (id: string) => `/tasks/${encodeURIComponent(id)}/reopen`,
  assignee: (id: string) => `/tasks/${encodeURIComponent(id)}/assignee`,
  sequences: '/sequences',
  sequence: (id: string) => `/sequences/${encodeURIComponent(id)}`,
  templates: '/sequence-templates',
  template: (id: string) => `/sequence-templates/${encodeURIComponent(id)}`,
  contacts: '/contacts',
  contact: (id: string) => `/contacts/${encodeURIComponent(id)}`,
} as const;

export const QUERY = {
  page: 'page',
  size: 'size',
  sortBy: 'sort_by',
  sortOrder: 'sort_order',
  sequenceId: 'sequence_id',
  templateIds: 'sequence_template_ids',
  types: 'types',
  status: 'status',
  priorities: 'priorities',
  assigneeUserId: 'assignee_user_id',
  createdAfter: 'created_at_after',
  createdBefore: 'created_at_before',
} as const;

/** Query parameters of the task listing that take several values, sent by repeating the parameter. */
export const REPEATED_PARAMS: readonly string[] = [QUERY.templateIds, QUERY.types, QUERY.priorities];

export const BODY = {
  assigneeUserId: 'assignee_user_id',
  scope: 'scope',
} as const;

/** Query names of the companion listings: sequence runs, templates and contacts. */
export const SEQUENCE_QUERY = {
  page: 'page',
  size: 'size',
  status: 'status',
  sortBy: 'sort_by',
  sortOrder: 'sort_order',
} as const;

export const TEMPLATE_QUERY = {
  page: 'page',
  size: 'size',
  name: 'name',
  status: 'status',
  createdAfter: 'created_at_after',
  createdBefore: 'created_at_before',
  sortBy: 'sort_by',
  sortOrder: 'sort_order',
} as const;

export const CONTACT_QUERY = {
  page: 'page',
  size: 'size',
  email: 'email',
  linkedinUrl: 'linkedin_url',
  contactId: 'contact_id',
  firstSeenAfter: 'first_seen_after',
  lastSeenAfter: 'last_seen_after',
  sortBy: 'sort_by',
  sortOrder: 'sort_order',
} as const;

export const SCOPES = {
  read: 'tasks:read',
  write: 'tasks:write',
  sequencesRead: 'sequences:read',
  contactsRead: 'contacts:read',
} as const;

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_BASE_URL = 'https://api.topo.io/v1';
