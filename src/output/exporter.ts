import { UsageError } from '../errors.js';
import type { Terminal } from '../terminal.js';

/**
 * JSON output, made once when the flags are parsed: `--json [fields]`, `--query <jmespath>` and `-r, --raw`
 * mean the same on every command that prints data, and are checked before any request is sent.
 */

export interface JsonFlags {
  json?: string | boolean;
  query?: string;
  raw?: boolean;
}

type Query = (data: unknown) => unknown;

/** C1 controls (8-bit CSI and friends) are valid in JSON strings but act on terminals: always escaped. */

const C1_RE = /[\u0080-\u009f]/g;

export function encodeJson(value: unknown, pretty: boolean): string {
  const text = JSON.stringify(value ?? null, null, pretty ? 2 : undefined) ?? 'null';
  return text.replace(C1_RE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export class Exporter {
  constructor(
    /** The fields asked for, in order; undefined = every field. */
    readonly fields: readonly string[] | undefined,
    private readonly query: Query | undefined,
    private readonly raw: boolean,
    /** The flag that asked for JSON, for messages. */
    readonly flag: '--json' | '--query' = '--json',
    /** The field names the --query expression reads, at any depth. */
    private readonly queryNames: readonly string[] = [],
  ) {}

  /** Every field name the output may read: those of `--json a,b` and those its `--query` reads. */
  named(): string[] {
    return [...(this.fields ?? []), ...this.queryNames];
  }

  /** Whether this field was named in `--json a,b` (for fields that cost a lookup). */
  names(field: string): boolean {
    return this.fields?.includes(field) ?? false;
  }

  /** Only the fields asked for, in their order; a missing one is null. */
  pick(record: unknown): unknown {
    if (!this.fields || typeof record !== 'object' || record === null || Array.isArray(record)) return record;
    const source = record as Record<string, unknown>;
    const picked: Record<string, unknown> = {};
    for (const f of this.fields) picked[f] = source[f] ?? null;
    return picked;
  }

  /** One value: an object, or an array of records (each picked). */
  async write(terminal: Terminal, value: unknown): Promise<void> {
    const picked = Array.isArray(value) ? value.map((v) => this.pick(v)) : this.pick(value);
    await this.print(terminal, this.query ? this.query(picked) : picked);
  }

  /** One JSON array printed as the records arrive, so memory stays flat however many there are. */
  async stream(terminal: Terminal, records: AsyncIterable<unknown>): Promise<number> {
    if (this.query || this.raw) {
      // A query needs the whole array: collect, then print its result.
      const all: unknown[] = [];
      for await (const record of records) all.push(record);
      await this.write(terminal, all);
      return all.length;
    }
    const pretty = terminal.stdoutIsTTY;
    let count = 0;
    let buffer = '[';
    try {
      for await (const record of records) {
        const text = encodeJson(this.pick(record), pretty);
        buffer += `${count === 0 ? '' : ','}${pretty ? `\n  ${text.replace(/\n/g, '\n  ')}` : text}`;
        count++;
        if (buffer.length > 16_384) {
          await terminal.out(buffer);
          buffer = '';
        }
      }
    } catch (error) {
      // A walk that failed part-way: the records it handed over are written, the array left open (no parser
      // takes it for the whole list), before the error is said.
      // (Nothing at all when it failed before the first: no lone '['.)
      if (count > 0 && buffer) await terminal.out(buffer);
      throw error;
    }
    await terminal.out(`${buffer}${pretty && count > 0 ? '\n' : ''}]\n`);
    return count;
  }

  /** One record on a line of its own (a stream of events, as `tasks watch --json` prints). */
  async line(terminal: Terminal, record: unknown): Promise<void> {
    const picked = this.pick(record);
    const value = this.query ? this.query(picked) : picked;
    await terminal.out(this.raw && isRaw(value) ? rawText(value) : `${encodeJson(value, false)}\n`);
  }

  private async print(terminal: Terminal, value: unknown): Promise<void> {
    if (this.raw && isRaw(value)) await terminal.out(rawText(value));
    else await terminal.out(`${encodeJson(value, terminal.stdoutIsTTY)}\n`);
  }
}

function isRaw(value: unknown): value is string | string[] {
  return typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'));
}

function rawText(value: string | string[]): string {
  const lines = typeof value === 'string' ? [value] : value;
  return lines.map((l) => `${l}\n`).join('');
}

/**
 * The exporter for a command's flags, or undefined when JSON was not asked for. `known` lists the fields a
 * `--json a,b` may name; undefined means the command's JSON takes no field list.
 */
export async function makeExporter(
  flags: JsonFlags,
  known: readonly string[] | undefined,
): Promise<Exporter | undefined> {
  const wanted = flags.json !== undefined && flags.json !== false;
  if (!wanted && flags.query === undefined) {
    if (flags.raw) throw new UsageError('--raw goes with --json or --query');
    return undefined;
  }
  const fields = typeof flags.json === 'string' ? parseFields(flags.json, known) : undefined;
  const compiled = flags.query === undefined ? undefined : await compileQuery(flags.query);
  return new Exporter(
    fields,
    compiled?.query,
    Boolean(flags.raw),
    wanted ? '--json' : '--query',
    compiled?.names,
  );
}

function parseFields(value: string, known: readonly string[] | undefined): string[] {
  const fields = value
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  if (!known) {
    throw new UsageError(
      `--json takes no field list here ('${value}'); use --json alone, or --query to pick values`,
    );
  }
  const unknown = fields.filter((f) => !known.includes(f));
  if (unknown.length > 0 || fields.length === 0) {
    const hint = /^[0-9a-f]{8}-/i.test(value) ? ' (an ID after --json is read as fields: put it first)' : '';
    throw new UsageError(
      `--json: unknown field${unknown.length === 1 ? '' : 's'} ${unknown.map((f) => `'${f}'`).join(', ') || "''"}${hint} (valid: ${known.join(', ')})`,
    );
  }
  const twice = [...new Set(fields.filter((f, i) => fields.indexOf(f) !== i))];
  if (twice.length > 0) {
    throw new UsageError(
      `--json: ${twice.map((f) => `'${f}'`).join(', ')} named more than once; name each field once`,
    );
  }
  return fields;
}

async function compileQuery(expression: string): Promise<{ query: Query; names: string[] }> {
  const { compile, TreeInterpreter } = await import('@jmespath-community/jmespath');
  let ast: ReturnType<typeof compile>;
  try {
    ast = compile(expression);
  } catch (error) {
    throw new UsageError(`--query: ${(error as Error).message.split('\n')[0]} in '${expression}'`);
  }
  return {
    query: (data) => TreeInterpreter.search(ast, data as Parameters<typeof TreeInterpreter.search>[1]),
    names: fieldNames(ast),
  };
}

/** The names of the fields an expression reads (its `Field` nodes), so a command can fetch what it names. */
function fieldNames(node: unknown, names: string[] = []): string[] {
  if (Array.isArray(node)) for (const child of node) fieldNames(child, names);
  else if (typeof node === 'object' && node !== null) {
    const { type, name } = node as { type?: unknown; name?: unknown };
    if (type === 'Field' && typeof name === 'string') names.push(name);
    for (const value of Object.values(node)) if (typeof value === 'object') fieldNames(value, names);
  }
  return names;
}
