import type { ApiClient } from './client.js';
import { checkContact } from './shape.js';
import type { Contact } from './types.js';
import { PATHS } from './wire.js';

/** Contacts (scope contacts:read). Personal data: shown, never written to disk or logs. */

export function getContact(client: ApiClient, id: string): Promise<Contact> {
  return client.send<Contact>({ method: 'GET', path: PATHS.contact(id), shape: checkContact });
}
