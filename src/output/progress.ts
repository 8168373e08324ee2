import type { JobObserver, ProgressSink } from '../domain/job.js';
import { formatDuration } from '../basics/time.js';
import { count } from '../basics/text.js';
import type { Terminal } from '../terminal.js';
import { stoppingLine } from './notes.js';
import { TABLE_PAGE } from './printer.js';

/**
 * A spinner on stderr while records are fetched for a terminal table: it stops when the table starts
 * printing (after its first page) or when the records end.
 */
export async function* withSpinner<T>(
  terminal: Terminal,
  records: AsyncIterable<T>,
  text: string,
  total: () => number,
): AsyncGenerator<T> {
  const { default: spinner } = await import('yocto-spinner');
  const spin = spinner({ stream: terminal.io.stderr as NodeJS.WriteStream }).start(text);
  let n = 0;
  try {
    for await (const record of records) {
      n++;
      // A stopped spinner draws itself again when its text changes: once the table prints, it is left alone.
      if (n < TABLE_PAGE && n % 100 === 0) {
        const of = total() ? ` of ${count(total())}` : '';
        spin.text = `${text} ${count(n)}${of}`;
      }
      if (n === TABLE_PAGE) spin.stop();
      yield record;
    }
  } finally {
    spin.stop();
  }
}

/**
 * A job's progress on stderr: tasks done, rate, rate-limit waits and time left; a bar on a terminal (messages
 * written meanwhile go above it), a line every tenth otherwise.
 */
export function jobProgress(terminal: Terminal, now: () => number): ProgressSink {
  let drawn: { update(p: Parameters<ProgressSink['update']>[0]): void; stop(): void } | undefined;
  return {
    start: async (total) => {
      drawn = terminal.showProgress
        ? await progressBar(terminal, now, total)
        : progressLines(terminal, now, total);
    },
    update: (p) => drawn?.update(p),
    stop: () => drawn?.stop(),
  };
}

function pace(now: () => number, total: number) {
  const started = now();
  const rate = (done: number) => done / Math.max(0.001, (now() - started) / 1000);
  const eta = (done: number) => {
    const r = rate(done);
    if (done === 0 || r === 0) return '…';
    return formatDuration(((total - done) / r) * 1000);
  };
  return { rate, eta };
}

/**
 * The bar's line for a terminal this wide: the counts, the rate-limit waits and the time left always, the bar
 * as wide as the rest leaves room for (at most 40), the words and then the bar itself given up on a narrow
 * terminal — never a line the terminal would clip.
 */
export function barFormat(columns: number, total: number): { format: string; barsize: number } {
  const n = String(total).length;
  // The widest each value gets: done/total, the rate (9999.9), the failures, the waits, the time left (59m 59s).
  const widths = { value: n, total: n, rate: 6, failed: n, waits: 5, left: 8 };
  const shapes = [
    'Moving |{bar}| {value}/{total} tasks | {rate}/s | {failed} failed | 429s {waits} | ETA {left}',
    '|{bar}| {value}/{total} | {rate}/s | {failed} failed | 429s {waits} | ETA {left}',
    '{bar} {value}/{total} | {failed} failed | 429s {waits} | ETA {left}',
  ];
  const room = columns - 1;
  const textOf = (shape: string) =>
    shape
      .replace('{bar}', '')
      .replace(/\{(\w+)\}/g, (_, key: keyof typeof widths) => 'x'.repeat(widths[key] ?? 0)).length;
  for (const format of shapes) {
    const barsize = Math.min(40, room - textOf(format));
    if (barsize >= 10) return { format, barsize };
  }
  return { format: '{value}/{total} | {failed} failed | 429s {waits} | ETA {left}', barsize: 0 };
}

async function progressBar(terminal: Terminal, now: () => number, total: number) {
  const { rate, eta } = pace(now, total);
  const { SingleBar, Presets } = await import('cli-progress');
  const bar = new SingleBar(
    {
      stream: terminal.io.stderr as NodeJS.WriteStream,
      // The bar is on stderr: its width, when stdout is piped elsewhere (`--json | jq`).
      ...barFormat((terminal.io.stderr as NodeJS.WriteStream).columns || terminal.columns, total),
      hideCursor: true,
      // Stopped, the bar clears its line and puts the cursor back at its start: a message written then
      // (Stopping…, a note, the summary) takes the bar's place, and the bar is drawn again below it.
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  let value = 0;
  let payload: Record<string, unknown> = { rate: '0.0', failed: 0, waits: 0, left: '…' };
  let drawing = true;
  bar.start(total, value, payload);
  terminal.setLive({ clear: () => bar.stop(), redraw: () => drawing && bar.start(total, value, payload) });
  return {
    update: ({ done, failed, waits }: { done: number; failed: number; waits: number }) => {
      value = done;
      payload = { rate: rate(done).toFixed(1), failed, waits, left: eta(done) };
      if (drawing) bar.update(value, payload);
    },
    stop: () => {
      drawing = false;
      terminal.setLive(undefined);
      bar.stop();
    },
  };
}

function progressLines(terminal: Terminal, now: () => number, total: number) {
  const { rate, eta } = pace(now, total);
  let next = 1;
  return {
    update: ({ done, failed, waits }: { done: number; failed: number; waits: number }) => {
      const tenth = Math.floor((done / Math.max(1, total)) * 10);
      if (tenth < next) return;
      next = tenth + 1;
      terminal.err(
        `Progress: ${done}/${total} tasks, ${failed} failed, ${rate(done).toFixed(1)} tasks/s, ${waits} rate-limit waits, ${eta(done)} left`,
      );
    },
    stop: () => undefined,
  };
}

/** How a job's run is told on stderr as it goes: its journal, the journal's notes, a stop, its progress. */
export function jobObserver(terminal: Terminal, now: () => number): JobObserver {
  return {
    opened: (job) => terminal.err(`Job ${job.id}, journal: ${job.path}`),
    note: (message) => terminal.err(`note: ${message}`),
    stopping: (signal, doing) => terminal.err(`\n${stoppingLine(signal, doing)}`),
    progress: jobProgress(terminal, now),
  };
}
