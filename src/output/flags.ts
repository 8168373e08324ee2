import type { Command } from 'commander';

/** The output flags of a command that prints data, and the JSON fields they may name. */
export interface OutputSpec {
  /** Fields a `--json a,b` may name; undefined: this command's JSON takes no field list. */
  fields?: readonly string[];
  /**
   * The fields of other modes of the command (e.g. `reassign --from`), chosen by its flags: the first mode one of
   * whose flags (long names, `--jobs`) is given. Completion chooses by the same flags in the words typed.
   */
  modes?: { label: string; fields: readonly string[]; flags: readonly string[] }[];
  /** Whether the command's records can be printed as CSV. */
  csv?: boolean;
}

const specs = new WeakMap<Command, OutputSpec>();

export const OUTPUT_GROUP = 'Output flags:';

/** --json [fields], --query, -r/--raw and, for record listings, --csv: the same on every command. */
export function addOutputFlags(cmd: Command, spec: OutputSpec): Command {
  cmd.optionsGroup(OUTPUT_GROUP);
  if (spec.fields) cmd.option('--json [fields]', 'print JSON; optionally only these comma-separated fields');
  else cmd.option('--json', 'print JSON');
  cmd.option('--query <expr>', 'apply a JMESPath expression to the JSON output (implies --json)');
  cmd.option('-r, --raw', 'print string results of --query as plain lines, one per line');
  if (spec.csv) cmd.option('--csv', 'print CSV (RFC 4180, with a header row) for spreadsheets');
  specs.set(cmd, spec);
  return cmd;
}

export function outputSpecOf(cmd: Command): OutputSpec | undefined {
  return specs.get(cmd);
}

/** The fields `--json a,b` may name, given the command's other flags. */
export function jsonFieldsFor(
  spec: OutputSpec,
  opts: Record<string, unknown>,
): readonly string[] | undefined {
  const given = (flag: string) =>
    opts[flag.replace(/^--/, '').replace(/-([a-z])/g, (_, ch: string) => ch.toUpperCase())] !== undefined;
  return spec.modes?.find((m) => m.flags.some(given))?.fields ?? spec.fields;
}
