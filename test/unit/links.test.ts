import { link } from 'ansi-escapes';
import { describe, expect, it } from 'vitest';
import { mailtoTarget, telTarget, terminalLinks, webTarget } from '../../src/output/links.js';
import { fitTable, renderRows, type TableColumn } from '../../src/output/table.js';
import { displayWidth } from '../../src/output/width.js';
import { hyperlinks } from '../helpers.js';

describe('link targets', () => {
  it.each([
    ['+44 161 496 0568', 'tel:+441614960568'],
    ['(555) 010-0100', 'tel:5550100100'],
    ['+1 555 0100 ext. 12', 'tel:+15550100'],
    ['+1-555-0100;ext=12', 'tel:+15550100'],
    ['+33 1 23 45 67 89 x7', 'tel:+33123456789'],
  ])('tel: %s → %s (digits and a leading + only)', (number, target) => {
    expect(telTarget(number)).toBe(target);
  });

  it.each(['', 'n/a', '12', '+\u001b]8;;https://evil.example\u0007', 'call me', '1234567890123456789012345'])(
    'no tel: link for %j',
    (number) => {
      expect(telTarget(number)).toBeUndefined();
    },
  );

  it('tel: never holds anything but digits and one leading +', () => {
    for (const number of ['+44\u0007161\u009b496', '+44 161\n496 0568', '++44 (0) 161', '0044\u00a0161 496'])
      expect(telTarget(number) ?? 'tel:').toMatch(/^tel:\+?\d*$/);
  });

  it.each([
    ['ada@example.com', 'mailto:ada@example.com'],
    ['a.b+c@ex-ample.co.uk', 'mailto:a.b%2Bc@ex-ample.co.uk'],
    // A header or a body cannot ride along: the local part's special characters are encoded.
    ['ada+x?y=z@example.com', 'mailto:ada%2Bx%3Fy%3Dz@example.com'],
    ['jürgen@bücher.de', 'mailto:j%C3%BCrgen@b%C3%BCcher.de'],
  ])('mailto: %s → %s', (address, target) => {
    expect(mailtoTarget(address)).toBe(target);
  });

  it.each([
    '',
    'ada',
    '@example.com',
    'ada@',
    'ada @example.com',
    'ada@exa\u0007mple.com',
    'ada@ex\u009bample.com',
    // a second address, a header in the domain, a name that is not a domain
    'ada@example.com?bcc=eve@evil.example',
    'ada@example.com?body=hi',
    'ada@localhost',
  ])('no mailto: link for %j', (address) => {
    expect(mailtoTarget(address)).toBeUndefined();
  });

  it.each([
    ['https://www.linkedin.com/in/ada-lovelace', 'https://www.linkedin.com/in/ada-lovelace'],
    ['https://www.linkedin.com/in/jürgen', 'https://www.linkedin.com/in/j%C3%BCrgen'],
    ['http://linkedin.com/in/x?a=1#b', 'http://linkedin.com/in/x?a=1#b'],
  ])('web: %s → %s', (url, target) => {
    expect(webTarget(url)).toBe(target);
  });

  it.each([
    'javascript:alert(1)',
    'file:///etc/passwd',
    'https://user:secret@linkedin.com/in/x',
    'linkedin.com/in/x',
    'https://linkedin.com/in/x\u0007',
    'https://linkedin.com/in/\u001b]8;;https://evil.example',
    'https://linkedin.com/in/a b',
  ])('no web link for %j', (url) => {
    expect(webTarget(url)).toBeUndefined();
  });

  it('no target carries a control character or a space', () => {
    const samples = ['+44 161 496 0568', 'ada@example.com', 'https://www.linkedin.com/in/ada', 'a@b\u0000c'];
    for (const value of samples)
      for (const target of [telTarget(value), mailtoTarget(value), webTarget(value)])
        if (target !== undefined) expect(target).toMatch(/^[\x21-\x7e]+$/);
  });
});

describe('links on a terminal', () => {
  it('an OSC 8 sequence has no display width', () => {
    const osc8 = '\u001b]8;;tel:+441614960568\u0007+44 161 496 0568\u001b]8;;\u0007';
    expect(displayWidth(osc8)).toBe('+44 161 496 0568'.length);
  });

  it('draw the text unchanged, with zero display width for the sequences', async () => {
    const links = await terminalLinks();
    const phone = links.phone('+44 161 496 0568', '+44 161 496 0568');
    expect(phone).toBe(link('+44 161 496 0568', 'tel:+441614960568'));
    expect(hyperlinks(phone)).toEqual({ targets: ['tel:+441614960568'], text: '+44 161 496 0568' });
    // Without a clean target, the text is left as it is.
    expect(links.email('not an address', 'not an address')).toBe('not an address');
    expect(links.web('x', 'javascript:alert(1)')).toBe('x');
    const contact = { phone_number: null, email: 'ada@example.com', linkedin_url: null } as never;
    expect(links.contact('Ada', contact)).toBe(link('Ada', 'mailto:ada@example.com'));
  });

  it('a table cuts the text before linking it: no half sequence at any width, the same text as without links', async () => {
    const links = await terminalLinks();
    interface Row {
      name: string;
      phone: string;
    }
    const rows: Row[] = [
      { name: 'Ada Lovelace · Analytical Engines Ltd', phone: '+44 161 496 0568' },
      { name: 'Grace Hopper · Eckert–Mauchly', phone: '+1 555 0100' },
    ];
    const columns = (linked: boolean): TableColumn<Row>[] => [
      { header: 'ID', cell: () => '7f3e9c2a-1b4d-4c8e-9f60-0a1b2c3d4e5f', cut: 'middle' },
      {
        header: 'CONTACT',
        cell: (r) => r.name,
        ...(linked && { style: (r: Row, s: string) => links.phone(s, r.phone) }),
      },
      { header: 'CREATED', cell: () => '3d ago' },
    ];
    const steps = [
      { column: 'CONTACT', shrink: 6 },
      { column: 'ID', shrink: 9 },
    ];
    for (const width of [100, 60, 40, 30, 20]) {
      const plain = renderRows(fitTable(columns(false), rows, width, steps), rows, (h) => h);
      const drawn = renderRows(fitTable(columns(true), rows, width, steps), rows, (h) => h);
      expect(hyperlinks(drawn).text).toBe(plain);
      for (const [i, line] of drawn.trimEnd().split('\n').slice(1).entries()) {
        // Whole sequences only: once they are taken out, no escape or control character is left.
        const { targets, text } = hyperlinks(line);
        expect(targets).toEqual([telTarget(rows[i]!.phone)]);
        expect(displayWidth(text)).toBeLessThanOrEqual(width);
        // eslint-disable-next-line no-control-regex
        expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
      }
    }
  });
});
