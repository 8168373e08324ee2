import { expect } from 'vitest';

export type ErrorBody = {
  status_code: number;
  type: string;
  message: string;
  request_id: string;
  data?: unknown;
};

/** An API error as Topo sends it: the status, its type, a request id in the body and the header. */
export async function expectError(
  res: Promise<{ status: number; body: unknown; headers: Headers }>,
  status: number,
  type: string,
  mentions?: string,
): Promise<ErrorBody> {
  const r = await res;
  const body = r.body as ErrorBody;
  expect(r.status).toBe(status);
  expect(body.type).toBe(type);
  expect(body.status_code).toBe(status);
  expect(body.request_id).toMatch(/^req_/);
  expect(r.headers.get('x-request-id')).toBe(body.request_id);
  if (mentions) expect(body.message).toContain(mentions);
  return body;
}

export const RUN_KEYS = [
  'id',
  'organization_id',
  'contact_id',
  'sequence_template_id',
  'status',
  'variables',
  'source_contact_list_id',
  'last_step_executed_at',
  'created_at',
  'updated_at',
];

export const TEMPLATE_KEYS = [
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
];

export const CONTACT_KEYS = [
  'id',
  'email',
  'first_name',
  'last_name',
  'job_title',
  'linkedin_url',
  'phone_number',
  'city',
  'state',
  'country',
  'profile_picture_url',
  'company_name',
  'company_domain',
  'first_seen_at',
  'last_seen_at',
];

export const ISO_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
