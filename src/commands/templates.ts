import type { Command } from 'commander';
import { action, type App } from '../app.js';
import { TEMPLATE_FIELDS, TEMPLATE_STATUSES } from '../api/types.js';
import type { Context } from '../context.js';
import { FLAG_GROUPS, helpDetails } from '../help.js';
import { parseEnumList, collect } from '../input/parse.js';
import { addOutputFlags } from '../output/flags.js';
import { safeText } from '../basics/text.js';

export function registerTemplates(program: Command, app: App): void {
  const templates = program
    .command('templates')
    .summary('the campaigns (sequence templates) tasks come from')
    .description(
      'Campaigns are the sequence templates runs are started from. Their names work wherever a template is ' +
        'expected (tasks list --template, tasks reassign --template). Needs the sequences:read scope.',
    );
  helpDetails(templates, {
    examples: ['topo templates list', 'topo templates list --status active --json name,id'],
  });
  const list = templates
    .command('list')
    .alias('ls')
    .summary('list the campaigns: name, status, steps')
    .optionsGroup(FLAG_GROUPS.filters)
    .option(
      '--status <statuses>',
      'pending_setup, active, inactive, finishing, archived (comma-separated or repeated)',
      collect,
    );
  addOutputFlags(list, { fields: TEMPLATE_FIELDS, csv: true });
  helpDetails(list, {
    examples: [
      'topo templates list',
      'topo templates list --status active,finishing',
      'topo templates list --json --query "[?status==\'ACTIVE\'].name" -r',
    ],
    notes: `Output:
  On a terminal, a table by name (NAME, STATUS, STEPS, ID); piped, tab-separated columns without a header:
    id, name, status, step_count
  --csv, the same columns with a header row; --json, the templates as the API sent them.`,
  });
  list.action(action(app, (ctx, flags: { status?: string[] }) => runList(ctx, flags)));
}

async function runList(ctx: Context, flags: { status?: string[] }): Promise<void> {
  const statuses = flags.status ? parseEnumList(flags.status, TEMPLATE_STATUSES, '--status') : undefined;
  const [client, { allTemplates }, { enumLabel }, { templateLabel }] = await Promise.all([
    ctx.session.api(),
    import('../services/templates.js'),
    import('../output/format.js'),
    import('../output/tasks.js'),
  ]);
  const all = await allTemplates(client, (names) => ctx.rememberTemplateNames(names));
  const shown = statuses ? all.filter((t) => statuses.includes(String(t.status))) : all;
  const { output, terminal } = ctx;
  const c = output.chalk();
  await output.list(shown, {
    fields: [
      { name: 'id', value: (t) => t.id },
      { name: 'name', value: (t) => t.name },
      { name: 'status', value: (t) => t.status },
      { name: 'step_count', value: (t) => t.step_count },
    ],
    table: {
      columns: [
        { header: 'NAME', cell: (t) => templateLabel(t) },
        {
          header: 'STATUS',
          cell: (t) => enumLabel(t.status),
          style: (t, s) => (t.status === 'ACTIVE' ? c.green(s) : t.status === 'ARCHIVED' ? c.dim(s) : s),
        },
        { header: 'STEPS', cell: (t) => String(t.step_count) },
        { header: 'ID', cell: (t) => safeText(t.id), cut: 'middle' },
      ],
      fit: [
        { column: 'ID', shrink: 13 },
        { column: 'NAME', shrink: 20 },
      ],
    },
    json: (t) => t,
  });
  if (terminal.stderrIsTTY && shown.length === 0) terminal.err('No campaigns match.');
}
