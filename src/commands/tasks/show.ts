import type { Command } from 'commander';
import { action, type App } from '../../app.js';
import type { Context } from '../../context.js';
import { helpDetails } from '../../help.js';
import { WITH_CHOICES } from '../../input/choices.js';
import { collect, parseUuid, parseWith } from '../../input/parse.js';
import { addOutputFlags } from '../../output/flags.js';
import { TASK_JSON_FIELDS } from '../../output/tasks.js';
import { type Relation } from '../../domain/task.js';

export function registerShow(tasks: Command, app: App): void {
  const cmd = tasks
    .command('show <id>')
    .alias('view')
    .summary('show one task: who it is about, the campaign, every field')
    .description(
      'Shows one task: its contact (name, title, company, email, phone, LinkedIn), the campaign and what its ' +
        'sequence run is waiting for, then every field labelled, times absolute and relative.',
    )
    .option(
      '--with <relations>',
      'add the related contact, template (campaign) and run: nested in JSON, extra lines when piped',
      collect,
    );
  addOutputFlags(cmd, { fields: TASK_JSON_FIELDS });
  helpDetails(cmd, {
    examples: [
      'topo tasks show 1d808549-f48e-404c-b905-f780dd4ef1f3',
      'topo tasks show 1d808549-f48e-404c-b905-f780dd4ef1f3 --json status,assignee_user_id',
      'topo tasks show 1d808549-f48e-404c-b905-f780dd4ef1f3 --with contact --query contact.phone_number -r',
    ],
    notes: `Output:
  On a terminal, labelled fields, with the contact and campaign when the key may read them
  (scopes contacts:read and sequences:read); piped, one "field<TAB>value" line per field
  (RFC 3339 times), and with --with the lines contact_name, company_name, contact_email,
  contact_phone / template_name / run_status.`,
  });
  cmd.action(
    action(app, (ctx, id: string, flags: { with?: string[] }) =>
      runShow(ctx, parseUuid(id, 'task id'), parseWith(flags.with, WITH_CHOICES)),
    ),
  );
}

async function runShow(ctx: Context, id: string, withFlag: Relation[]): Promise<void> {
  const { output, terminal } = ctx;
  const [client, { getTask }, enrich] = await Promise.all([
    ctx.session.api(),
    import('../../api/tasks.js'),
    import('../../services/enrich.js'),
  ]);
  const relations = enrich.relationsWanted(withFlag, output.exporter?.named());
  // On a terminal the person sees who the task is about without asking.
  const want = new Set<Relation>(output.format === 'table' ? ['contact', 'template', 'run'] : relations);
  const enricher = want.size ? new enrich.Enricher(client, (n) => ctx.noteEnrichment(n)) : undefined;
  const task = await getTask(client, id);
  const [related] = enricher ? await enricher.relate([task], want) : [{}];
  if (output.format === 'json') {
    const { taskJson } = await import('../../output/tasks.js');
    await output.json(taskJson({ task, related: related! }, relations));
    return;
  }
  const { renderTaskFields } = await import('../../output/show.js');
  await terminal.out(
    renderTaskFields(task, {
      tty: output.format === 'table',
      chalk: output.chalk(),
      names: await ctx.people.names(),
      now: ctx.now(),
      related: related!,
      with: relations,
      links: await output.links(),
      width: terminal.columns,
    }),
  );
}
