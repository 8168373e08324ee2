import type { Context } from '../context.js';
import type { FilterFlags, Filters } from '../input/filters.js';

/** People and campaign names, resolved last: every local check has passed before the first request. */
export async function resolveFilterNames(ctx: Context, flags: FilterFlags, filters: Filters): Promise<void> {
  if (flags.assignee && !filters.unassigned)
    filters.query.assigneeUserId = await ctx.people.resolve(flags.assignee, '--assignee');
  if (flags.template) {
    const [client, { resolveTemplates }] = await Promise.all([ctx.session.api(), import('./templates.js')]);
    filters.query.templateIds = await resolveTemplates(ctx.session, client, flags.template, ctx.now());
  }
}
