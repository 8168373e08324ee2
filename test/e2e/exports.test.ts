import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import MarkdownIt from 'markdown-it';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import type { Task } from '../../src/api/types.js';
import type { Sandbox } from '../../src/sandbox/server.js';
import { safeText } from '../../src/basics/text.js';
import { markdownText } from '../../src/output/markdown.js';
import { sandbox, tempDir, topo } from '../helpers.js';

/**
 * Exports that cannot be turned against their reader: every CSV topo writes (--csv and --report) parses to
 * the same number of fields on every row, holds no raw control character, and runs no formula.
 */

const isOpen = (t: Task) => t.status === 'PENDING' || t.status === 'IN_PROGRESS';

// C0 except tab (line ends only between records, checked apart), DEL, C1.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

const HOSTILE = [
  '+1 555 0101\n=2+2',
  '=HYPERLINK("http://x")',
  '-2+3\r@SUM(1)',
  'Acme, "Inc"\r\n+cmd',
  'title\u001b]0;pwned\u0007',
  'csi\u009b31m red',
  '@bell\u0007',
  ' =1+1',
  '\u00a0+cmd',
  '\uff1dHYPERLINK("http://x")',
];

/** Gives the contacts and campaigns of the open tasks hostile text. */
function poison(s: Sandbox): Task[] {
  const tasks = s.store.state.tasks.filter(isOpen);
  tasks.forEach((t, i) => {
    const run = s.store.run(t.sequence_id)!;
    const text = HOSTILE[i % HOSTILE.length]!;
    if (run.contact_id)
      s.store.patchContact(run.contact_id, {
        first_name: text,
        last_name: HOSTILE[(i + 1) % HOSTILE.length],
        company_name: text,
        phone_number: text,
        email: HOSTILE[(i + 2) % HOSTILE.length],
      });
    s.store.patchTemplate(run.sequence_template_id, { name: HOSTILE[(i + 3) % HOSTILE.length] });
  });
  return tasks;
}

/** Strict RFC 4180: records end with CRLF only, fields are whole, every record has the header's count. */
function checkCsv(text: string): string[][] {
  expect(text.endsWith('\r\n')).toBe(true);
  const parsed = Papa.parse<string[]>(text, { newline: '\r\n', skipEmptyLines: true });
  expect(parsed.errors).toEqual([]);
  const width = parsed.data[0]!.length;
  for (const row of parsed.data) {
    expect(row).toHaveLength(width);
    for (const cell of row) {
      expect(cell, JSON.stringify(cell)).not.toMatch(CONTROL);
      expect(cell, JSON.stringify(cell)).not.toMatch(/[\r\n]/);
      expect(cell, JSON.stringify(cell)).not.toMatch(/^\s*[=+\-@\uff1d\uff0b\uff0d\uff20]/);
    }
  }
  // Outside quoted fields, the only line ends are the records'.
  expect(text.replace(/"(?:[^"]|"")*"/g, '').replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  return parsed.data;
}

describe('CSV exports of hostile data', () => {
  it('--csv (piped and on a terminal): same fields on every row, no raw control character, no formula', async () => {
    const s = await sandbox();
    poison(s);
    for (const tty of [false, true]) {
      const r = await topo(['tasks', 'list', '-L', '40', '--with', 'contact,template', '--csv'], {
        sandbox: s,
        tty,
        columns: 200,
      });
      expect(r.code).toBe(0);
      const rows = checkCsv(r.stdout);
      expect(rows).toHaveLength(41);
      const phones = rows.slice(1).map((row) => row[rows[0]!.indexOf('contact_phone')]!);
      // The formula after a line break is part of the cell, made visible; never a row of its own.
      expect(phones.filter((p) => p === "'+1 555 0101\\n=2+2").length).toBeGreaterThan(0);
      expect(r.stdout).not.toContain('\u001b');
      expect(r.stdout).not.toContain('\u009b');
    }
  });

  it('marks phone numbers in international form as text (a spreadsheet would compute +1-555-0100)', async () => {
    const s = await sandbox();
    const r = await topo(['tasks', 'list', '-L', '20', '--with', 'contact', '--csv'], { sandbox: s });
    const rows = checkCsv(r.stdout);
    const phones = rows.slice(1).map((row) => row[rows[0]!.indexOf('contact_phone')]!);
    expect(phones.filter((p) => /^'\+\d[\d ().-]*$/.test(p)).length).toBeGreaterThan(0);
    // The same numbers, as the API sent them, in TSV and JSON.
    const tsv = await topo(['tasks', 'list', '-L', '20', '--with', 'contact'], { sandbox: s });
    expect(tsv.stdout).toMatch(/\t\+\d[\d ().-]*(\t|$)/m);
  });

  it('--report CSV and Markdown: campaign names cannot break a row or reach the file raw', async () => {
    const s = await sandbox();
    const tasks = poison(s);
    const [alice, bob] = s.store.users;
    for (const t of tasks.slice(0, 10)) s.store.reassign(t.id, alice!.id, 'TASK');
    const dir = tempDir();
    const csv = join(dir, 'r.csv');
    const md = join(dir, 'r.md');
    const args = ['tasks', 'reassign', '--from', alice!.id, '--to', bob!.id, '--yes'];
    const r = await topo([...args, '--report', csv], { sandbox: s, env: { TOPO_STATE_DIR: tempDir() } });
    expect(r.code, r.stderr).toBe(0);
    const rows = checkCsv(readFileSync(csv, 'utf8'));
    expect(
      rows
        .slice(1)
        .map((row) => row[6])
        .filter((name) => name!.startsWith("'")),
    ).not.toEqual([]);
    // Markdown: one table row per line, no raw control character, pipes escaped.
    const back = await topo(
      ['tasks', 'reassign', '--from', bob!.id, '--to', alice!.id, '--yes', '--report', md],
      {
        sandbox: s,
        env: { TOPO_STATE_DIR: tempDir() },
      },
    );
    expect(back.code, back.stderr).toBe(0);
    const text = readFileSync(md, 'utf8');
    expect(text).not.toMatch(CONTROL);
    const table = text.split('## Tasks')[1]!.trim().split('\n');
    const columns = table[0]!.split(/(?<!\\)\|/).length;
    for (const line of table) expect(line.split(/(?<!\\)\|/).length).toBe(columns);
  });

  it('--report Markdown: names from the API render as the text they are, never an image, a link, HTML or emphasis', async () => {
    const names = [
      '![x](http://e/x.png)',
      '<img src=x onerror=alert(1)>',
      '[a](javascript:alert(1))',
      '`code` and ``more``',
      '*bold* **strong** _em_ __em__',
      'line one\nline two',
      'a | b \\| c',
      '<script>alert(1)</script>',
      '&lt;b&gt; &amp; ~~gone~~ $x^2$',
      '\\![y](http://e/y.png) \\\\<i>x</i>',
      '# heading #',
    ];
    const s = await sandbox();
    const [alice, bob] = s.store.users;
    const tasks = s.store.state.tasks.filter(isOpen).slice(0, 40);
    const runs = [...new Set(tasks.map((t) => s.store.run(t.sequence_id)!.sequence_template_id))];
    const shown = (name: string) => new MarkdownIt().utils.escapeHtml(safeText(name));
    // As many offboardings as it takes for every name to be a campaign's, back and forth.
    for (
      let first = 0, from = alice!, to = bob!;
      first < names.length;
      first += runs.length, [from, to] = [to, from]
    ) {
      const batch = runs.map((_, i) => names[(first + i) % names.length]!);
      runs.forEach((id, i) => s.store.patchTemplate(id, { name: batch[i]! }));
      for (const t of tasks) s.store.reassign(t.id, from.id, 'TASK');
      const md = join(tempDir(), 'r.md');
      const args = ['tasks', 'reassign', '--from', from.id, '--to', to.id, '--yes', '--report', md];
      const r = await topo(args, { sandbox: s, env: { TOPO_STATE_DIR: tempDir() } });
      expect(r.code, r.stderr).toBe(0);
      // Rendered as a permissive renderer would (raw HTML allowed, bare URLs and emails linked).
      const html = new MarkdownIt({ html: true, linkify: true }).render(readFileSync(md, 'utf8'));
      expect(html).not.toMatch(/<(img|script|a|em|strong|code|s|del|i)\b/);
      expect(html).not.toMatch(/href=|src="|&lt;b&gt;/);
      expect(html.match(/<h\d>/g)).toEqual(['<h1>', '<h2>', '<h2>']);
      // Every row of the tasks table has its columns, and its campaign is the name as it is, whatever it holds.
      const rows = html.split('<h2>Tasks</h2>')[1]!.match(/<tr>[\s\S]*?<\/tr>/g)!;
      const templates = rows.slice(1).map((row) => {
        const cells = [...row.matchAll(/<td>(.*?)<\/td>/g)].map((m) => m[1]!);
        expect(cells).toHaveLength(11);
        return cells[6]!;
      });
      expect(templates.length).toBeGreaterThanOrEqual(tasks.length);
      expect(batch.filter((n) => templates.includes(shown(n)))).toEqual(batch);
    }
  });
});

describe('markdownText', () => {
  it('escapes what Markdown and HTML give a meaning inline, and the backslash first', () => {
    expect(markdownText('![x](http://e/x.png)')).toBe('\\!\\[x\\](http\\://e/x\\.png)');
    expect(markdownText('<img src=x onerror=alert(1)>')).toBe('\\<img src=x onerror=alert(1)\\>');
    expect(markdownText('a\\|b_c*`\nd')).toBe('a\\\\\\|b\\_c\\*\\`\\\\nd');
    expect(markdownText('7f3e9c2a-1b4d EMAIL_REPLY, 3')).toBe('7f3e9c2a-1b4d EMAIL\\_REPLY, 3');
  });
});
