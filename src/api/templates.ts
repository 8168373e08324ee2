import type { ApiClient } from './client.js';
import { checkTemplate, checkTemplatePage } from './shape.js';
import type { Page, SequenceTemplate } from './types.js';
import { MAX_PAGE_SIZE, PATHS, TEMPLATE_QUERY } from './wire.js';

/** Sequence templates, the campaigns (scope sequences:read, read-only). */

export function getTemplate(client: ApiClient, id: string): Promise<SequenceTemplate> {
  return client.send<SequenceTemplate>({ method: 'GET', path: PATHS.template(id), shape: checkTemplate });
}

export interface TemplateFilter {
  /** Exact match, as the API compares. */
  name?: string;
  status?: string;
}

export function listTemplatesPage(
  client: ApiClient,
  filter: TemplateFilter,
  page: number,
  size = MAX_PAGE_SIZE,
): Promise<Page<SequenceTemplate>> {
  const query: [string, string][] = [];
  if (filter.name !== undefined) query.push([TEMPLATE_QUERY.name, filter.name]);
  if (filter.status) query.push([TEMPLATE_QUERY.status, filter.status]);
  query.push(
    [TEMPLATE_QUERY.sortBy, 'name'],
    [TEMPLATE_QUERY.sortOrder, 'asc'],
    [TEMPLATE_QUERY.page, String(page)],
    [TEMPLATE_QUERY.size, String(Math.min(size, MAX_PAGE_SIZE))],
  );
  return client.send<Page<SequenceTemplate>>({
    method: 'GET',
    path: PATHS.templates,
    query,
    shape: checkTemplatePage,
  });
}

/** Every template matching the filter, page after page (a workspace has a handful to a few hundred). */
export async function listTemplates(
  client: ApiClient,
  filter: TemplateFilter = {},
): Promise<SequenceTemplate[]> {
  const all: SequenceTemplate[] = [];
  for (let page = 1; ; page++) {
    const result = await listTemplatesPage(client, filter, page);
    all.push(...result.items);
    if (!result.has_more || result.items.length === 0 || page >= result.total_pages) return all;
  }
}
