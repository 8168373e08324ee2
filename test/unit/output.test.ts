import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import stringWidth from 'string-width';
import { safeText } from '../../src/basics/text.js';
import { UNITS, relativeTime } from '../../src/output/format.js';
import { NARROW, displayWidth } from '../../src/output/width.js';
import { memoryIO, sandbox, tempDir, SEED_NOW } from '../helpers.js';

describe('safeText', () => {
  it('neutralises escape sequences and control characters', () => {
    expect(safeText('hi\u001b[2J\u001b]0;pwned\u0007there')).toBe('hi\\e[2J\\e]0;pwned\\x07there');
    expect(safeText('line1\nline2\rforged')).toBe('line1\\nline2\\rforged');
    expect(safeText('keep\nlines', true)).toBe('keep\nlines');
    expect(safeText('\u009b31m')).toBe('\\x9b31m');
  });

  it('shows the controls that reorder text (right-to-left override, isolates) instead of obeying them', () => {
    expect(safeText('Acme\u202eCorp')).toBe('Acme\\u202eCorp');
    expect(safeText('\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069')).toBe(
      '\\u202a\\u202b\\u202c\\u202d\\u2066\\u2067\\u2068\\u2069',
    );
    expect(safeText('a\u200fb\u200ec\u061c')).toBe('a\\u200fb\\u200ec\\u061c');
    // Letters of a right-to-left script are text, shown as they are.
    expect(safeText('שלום')).toBe('שלום');
  });
});

describe('displayWidth', () => {
  it('measures as string-width does: every character of its fast path, and text outside it', () => {
    let fast = 0;
    for (let c = 0x20; c <= 0x2fff; c++) {
      const ch = String.fromCodePoint(c);
      if (!NARROW.test(ch)) continue;
      fast++;
      expect(stringWidth(ch), `U+${c.toString(16)}`).toBe(1);
    }
    expect(fast).toBeGreaterThan(700);
    for (const text of [
      '3df479a4-c096-4c…7e1',
      'José Núñez — Acme',
      '東京',
      'e\u0301',
      '©',
      '‼ ok',
      'a\u00adb',
    ])
      expect(displayWidth(text), text).toBe(stringWidth(text));
  });
});

describe('relativeTime', () => {
  it('uses the nearest whole unit', () => {
    const now = Date.parse('2026-11-29T12:00:00Z');
    expect(relativeTime('2026-11-29T09:00:00Z', now)).toBe('3h ago');
    expect(relativeTime('2026-11-26T12:00:00Z', now)).toBe('3d ago');
    expect(relativeTime('2026-11-29T11:59:30Z', now)).toBe('just now');
    expect(relativeTime(null, now)).toBe('');
  });

  it("says each age as Intl.RelativeTimeFormat's narrow English does, in the past and the future", () => {
    const intl = new Intl.RelativeTimeFormat('en', { style: 'narrow', numeric: 'always' });
    const now = Date.parse('2026-11-29T12:00:00Z');
    let checked = 0;
    for (const [unit, size] of UNITS) {
      for (const n of [1, 2, 5, 11, 59]) {
        for (const sign of [-1, 1]) {
          const iso = new Date(now + sign * n * size + sign * 1000).toISOString();
          const expected = intl.format(sign * n, unit);
          // A larger unit takes over past its size (60 minutes is 1h): compare where this unit is the one used.
          if (UNITS.some(([, bigger]) => bigger > size && n * size >= bigger)) continue;
          expect(relativeTime(iso, now), `${sign * n} ${unit}`).toBe(expected);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(30);
  });
});

const fakeIO = (tty: boolean, columns = 160) => memoryIO({ tty, columns });

describe('tasks list on a terminal', () => {
  it('prints an aligned table with aliases and relative times, and the summary on stderr', async () => {
    const s = await sandbox();
    const home = tempDir();
    const alice = s.store.users[0]!;
    const { io, out, err } = fakeIO(true);
    const env = {
      TOPO_API_URL: s.url,
      TOPO_API_KEY: 'topo_sandbox_rw',
      TOPO_CONFIG_DIR: home,
      NO_COLOR: '1',
    };
    const { ConfigWriter } = await import('../../src/config/store.js');
    await new ConfigWriter(home, 'default', () => undefined).update((p) => (p.aliases = { alice: alice.id }));
    const code = await main(['tasks', 'list', '-p', 'hot,today', '-L', '3'], io, env, {
      now: () => SEED_NOW,
    });
    expect(code).toBe(0);
    const lines = out().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+TYPE\s+PRIORITY\s+STATUS\s+ASSIGNEE\s+CONTACT\s+CAMPAIGN\s+CREATED$/);
    expect(lines).toHaveLength(4);
    for (const line of lines.slice(1)) {
      expect(line).toMatch(/^[0-9a-f-]{36}\s+/);
      expect(line).toMatch(/(\d+(m|h|d|w|mo) ago|just now)$/);
    }
    expect(lines.slice(1).some((l) => / alice /.test(l))).toBe(true);
    // Listing one person's tasks, the table says whose once (in the summary) instead of on every row.
    const mine = fakeIO(true);
    await main(['tasks', 'list', '-a', 'alice', '-L', '3'], mine.io, env, { now: () => SEED_NOW });
    expect(mine.out().split('\n')[0]).not.toContain('ASSIGNEE');
    const total = s.store.state.tasks.filter(
      (t) => ['HOT', 'TODAY'].includes(t.priority) && (t.status === 'PENDING' || t.status === 'IN_PROGRESS'),
    ).length;
    expect(err()).toBe(`Showing 3 of ${total} open tasks\n`);
  });

  it('fits the table to a narrow terminal and notes an empty result', async () => {
    const s = await sandbox();
    const home = tempDir();
    const narrow = fakeIO(true, 90);
    const env = {
      TOPO_API_URL: s.url,
      TOPO_API_KEY: 'topo_sandbox_rw',
      TOPO_CONFIG_DIR: home,
      NO_COLOR: '1',
    };
    expect(await main(['tasks', 'list', '-L', '5'], narrow.io, env)).toBe(0);
    for (const line of narrow.out().trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(90);
    const empty = fakeIO(true);
    expect(
      await main(['tasks', 'list', '--sequence', '00000000-0000-4000-8000-000000000000'], empty.io, env),
    ).toBe(0);
    expect(empty.out()).toBe('');
    expect(empty.err()).toBe('No open tasks match.\n');
  });

  it('colours HOT and never colours when piped or NO_COLOR is set', async () => {
    const s = await sandbox();
    const home = tempDir();
    const env = { TOPO_API_URL: s.url, TOPO_API_KEY: 'topo_sandbox_rw', TOPO_CONFIG_DIR: home };
    const tty = fakeIO(true);
    await main(['tasks', 'list', '-p', 'hot', '-L', '2'], tty.io, env);
    expect(tty.out()).toContain('\u001b[31m\u001b[1mHOT');
    const noColor = fakeIO(true);
    await main(['tasks', 'list', '-p', 'hot', '-L', '2', '--no-color'], noColor.io, env);
    expect(noColor.out()).not.toContain('\u001b[');
  });
});
