import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../api/errors.js';
import { makePrivateDir } from '../config/store.js';

/** One line of a bulk job's record: what moved, from whom, to whom, when, and how it went. */
export interface JournalRecord {
  task_id: string;
  sequence_id: string;
  from: string | null;
  to: string;
  scope: 'TASK' | 'SEQUENCE';
  time: string;
  /** 'started' is written before the call: a run killed mid-call still leaves a record that undo can check. */
  result: 'started' | 'moved' | 'failed';
  error?: string;
  request_id?: string;
}

/** An append-only JSON-lines file; each call writes whole lines at once, so a stop never leaves half a record. */
export class Journal {
  constructor(readonly path: string) {}

  static create(dir: string, kind: string, now: Date): Journal {
    makePrivateDir(dir);
    const stamp = now
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    const suffix = Math.random().toString(36).slice(2, 6);
    return new Journal(join(dir, `${kind}-${stamp}-${suffix}.jsonl`));
  }

  append(records: JournalRecord[]): void {
    if (records.length === 0) return;
    appendFileSync(this.path, records.map((r) => `${JSON.stringify(r)}\n`).join(''), { mode: 0o600 });
  }

  static read(path: string): JournalRecord[] {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new UsageError(
        `cannot read journal ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
    const records: JournalRecord[] = [];
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        // A torn last line (a crash mid-write) is ignored; anything else is not a journal.
        if (i === lines.length - 1) return;
        throw new UsageError(`${path}:${i + 1} is not a topo journal line`);
      }
      const r = record as Partial<JournalRecord>;
      if (
        typeof r.task_id !== 'string' ||
        typeof r.to !== 'string' ||
        !['started', 'moved', 'failed'].includes(r.result as string)
      ) {
        throw new UsageError(`${path}:${i + 1} is not a topo journal line`);
      }
      records.push(r as JournalRecord);
    });
    return records;
  }
}
