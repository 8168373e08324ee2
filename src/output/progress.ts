import type { Terminal } from '../terminal.js';
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
        const of = total() ? ` of ${total().toLocaleString('en-US')}` : '';
        spin.text = `${text} ${n.toLocaleString('en-US')}${of}`;
      }
      if (n === TABLE_PAGE) spin.stop();
      yield record;
    }
  } finally {
    spin.stop();
  }
}
