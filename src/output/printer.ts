import { UsageError } from '../errors.js';
import type { Terminal } from '../terminal.js';
import { makeChalk } from './color.js';
import type { Exporter } from './exporter.js';
import { tsvField } from '../basics/text.js';
import type { Links } from './links.js';
import type { FitStep, FittedTable, TableColumn } from './table.js';

/**
 * The one output layer: commands hand records and how to show them; this picks a table on a terminal,
 * tab-separated values when piped, CSV with --csv, or JSON with --json/--query.
 */

export type Format = 'table' | 'tsv' | 'csv' | 'json';

/** A machine column (TSV and CSV): a stable name and the raw value. */
export interface FieldColumn<R> {
  name: string;
  value(record: R): unknown;
}

export interface ListView<R> {
  /** TSV and CSV columns, in their documented, stable order. */
  fields: readonly FieldColumn<R>[];
  table: { columns: TableColumn<R>[]; fit: readonly FitStep[] };
  /** The record as JSON. */
  json(record: R): unknown;
}

/** Rows a terminal table measures before it starts printing; longer listings keep those widths. */
export const TABLE_PAGE = 500;
const FLUSH_AT = 16_384;
/**
 * CSV rows written at once: about FLUSH_AT of text. More would cost more than they save: a long walk's text
 * of 128 KB or more goes straight to V8's old generation, which then fills and is collected far sooner.
 */
const CSV_ROWS_AT_ONCE = 64;

export class Output {
  constructor(
    readonly terminal: Terminal,
    readonly exporter: Exporter | undefined,
    private readonly csv = false,
  ) {
    if (csv && exporter) throw new UsageError(`--csv and ${exporter.flag} cannot be used together`);
  }

  get format(): Format {
    if (this.exporter) return 'json';
    if (this.csv) return 'csv';
    return this.terminal.stdoutIsTTY ? 'table' : 'tsv';
  }

  /** Colour for stdout. */
  chalk() {
    return makeChalk(this.terminal.color);
  }

  /** Hyperlinks for what is drawn on a terminal (tables, cards, views); none in TSV, CSV or JSON. */
  async links(): Promise<Links> {
    const { NO_LINKS, terminalLinks } = await import('./links.js');
    return this.format === 'table' && (await this.terminal.hyperlinks()) ? terminalLinks() : NO_LINKS;
  }

  /** Prints records as they come (a table waits for its first page); returns how many there were. */
  async list<R>(records: AsyncIterable<R> | Iterable<R>, view: ListView<R>): Promise<number> {
    switch (this.format) {
      case 'json':
        return this.exporter!.stream(
          this.terminal,
          mapRecords(records, (r) => view.json(r)),
        );
      case 'tsv':
        return this.lines(records, (r) => tsvLine(view.fields.map((f) => f.value(r))));
      case 'csv':
        return this.csvRows(records, view.fields);
      case 'table':
        return this.table(records, view.table.columns, view.table.fit);
    }
  }

  /**
   * Records that arrive one at a time, minutes apart (a watch): on a terminal a table row, its widths fixed
   * before the first (`widths`: how wide each column usually is; the header is printed at once), piped a TSV
   * line, with --json one JSON object a line. Returns what prints one record.
   */
  async live<R>(view: ListView<R>, widths: Record<string, number>): Promise<(record: R) => Promise<void>> {
    if (this.format === 'json') return (r) => this.exporter!.line(this.terminal, view.json(r));
    if (this.format !== 'table') return (r) => this.terminal.out(tsvLine(view.fields.map((f) => f.value(r))));
    const { fitTable, renderRows } = await import('./table.js');
    const columns = view.table.columns.map((c) => ({ ...c, minWidth: widths[c.header] ?? 0 }));
    const fitted = fitTable(columns, [], this.terminal.columns, view.table.fit);
    await this.terminal.out(renderRows(fitted, [], (h) => this.chalk().bold(h)));
    return (r) => this.terminal.out(renderRows(fitted, [r]));
  }

  /** A value that is JSON only (no table or TSV form): printed through the exporter. */
  async json(value: unknown): Promise<void> {
    if (!this.exporter) throw new Error('Output.json without --json');
    await this.exporter.write(this.terminal, value);
  }

  private async lines<R>(records: AsyncIterable<R> | Iterable<R>, line: (r: R) => string): Promise<number> {
    let buffer = '';
    let n = 0;
    // A walk that fails part-way: what it handed over is written before the error is said (whole lines).
    try {
      for await (const record of records) {
        buffer += line(record);
        n++;
        if (buffer.length > FLUSH_AT) {
          await this.terminal.out(buffer);
          buffer = '';
        }
      }
    } finally {
      if (buffer) await this.terminal.out(buffer);
    }
    return n;
  }

  private async csvRows<R>(
    records: AsyncIterable<R> | Iterable<R>,
    fields: readonly FieldColumn<R>[],
  ): Promise<number> {
    // One escaping path for every CSV topo writes, on a terminal or not (see csv.ts).
    const { csvLines } = await import('./csv.js');
    await this.terminal.out(csvLines([fields.map((f) => f.name)]));
    let batch: unknown[][] = [];
    let n = 0;
    const flush = async () => {
      if (batch.length) await this.terminal.out(csvLines(batch));
      batch = [];
    };
    try {
      for await (const record of records) {
        batch.push(fields.map((f) => f.value(record)));
        n++;
        if (batch.length >= CSV_ROWS_AT_ONCE) await flush();
      }
    } finally {
      await flush();
    }
    return n;
  }

  private async table<R>(
    records: AsyncIterable<R> | Iterable<R>,
    columns: TableColumn<R>[],
    fit: readonly FitStep[],
  ): Promise<number> {
    const c = this.chalk();
    // Tables (and the width of wide characters) are loaded only when a table is drawn.
    const { fitTable, renderRows } = await import('./table.js');
    const page: R[] = [];
    let fitted: FittedTable<R> | undefined;
    let pending: R[] = [];
    let n = 0;
    try {
      for await (const record of records) {
        n++;
        if (!fitted) {
          page.push(record);
          if (page.length < TABLE_PAGE) continue;
          fitted = fitTable(columns, page, this.terminal.columns, fit);
          await this.terminal.out(renderRows(fitted, page, (h) => c.bold(h)));
          continue;
        }
        pending.push(record);
        if (pending.length >= TABLE_PAGE) {
          await this.terminal.out(renderRows(fitted, pending));
          pending = [];
        }
      }
    } finally {
      // Also when the walk failed part-way: the rows it handed over are shown before the error.
      if (!fitted) {
        if (page.length) {
          fitted = fitTable(columns, page, this.terminal.columns, fit);
          await this.terminal.out(renderRows(fitted, page, (h) => c.bold(h)));
        }
      } else if (pending.length) {
        await this.terminal.out(renderRows(fitted, pending));
      }
    }
    return n;
  }
}

/** One record a line, tab-separated, no header: the stable machine format of piped output. */
export function tsvLine(values: unknown[]): string {
  return `${values.map((v) => tsvField(v)).join('\t')}\n`;
}

async function* mapRecords<R, T>(
  records: AsyncIterable<R> | Iterable<R>,
  map: (r: R) => T,
): AsyncGenerator<T> {
  for await (const record of records) yield map(record);
}
