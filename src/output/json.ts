import type { Context } from '../context.js';

/** JSON output: every field as the API sent it, or the chosen fields in the chosen order. */

export function pickFields(
  record: Record<string, unknown>,
  fields: string[] | undefined,
): Record<string, unknown> {
  if (!fields) return record;
  const picked: Record<string, unknown> = {};
  for (const f of fields) picked[f] = record[f] ?? null;
  return picked;
}

function encode(value: unknown, pretty: boolean, indent = ''): string {
  const text = JSON.stringify(value, null, pretty ? 2 : undefined);
  return pretty && indent ? text.replace(/\n/g, `\n${indent}`) : text;
}

export async function printJson(ctx: Context, value: unknown): Promise<void> {
  const shown = ctx.jsonQuery ? ctx.jsonQuery(value) : value;
  await ctx.out(`${encode(shown ?? null, ctx.io.stdoutIsTTY)}\n`);
}

/** Prints one JSON array as the records arrive, so memory stays flat however many there are. */
export async function printJsonStream(
  ctx: Context,
  records: AsyncIterable<Record<string, unknown>>,
  fields: string[] | undefined,
): Promise<number> {
  if (ctx.jsonQuery) {
    // A query needs the whole array: collect, then print its result.
    const all: Record<string, unknown>[] = [];
    for await (const record of records) all.push(pickFields(record, fields));
    await printJson(ctx, all);
    return all.length;
  }
  const pretty = ctx.io.stdoutIsTTY;
  let count = 0;
  let buffer = '[';
  for await (const record of records) {
    buffer += `${count === 0 ? '' : ','}${pretty ? '\n  ' : ''}${encode(pickFields(record, fields), pretty, '  ')}`;
    count++;
    if (buffer.length > 16_384) {
      await ctx.out(buffer);
      buffer = '';
    }
  }
  buffer += `${pretty && count > 0 ? '\n' : ''}]\n`;
  await ctx.out(buffer);
  return count;
}
