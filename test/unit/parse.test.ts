import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { makeExporter } from '../../src/output/exporter.js';
import { ageMs, durationMs, parseEnumList, parsePositiveInt, parseWhen } from '../../src/input/parse.js';

const NOW = Date.parse('2026-11-29T12:00:00Z');

describe('parseWhen', () => {
  it.each([
    ['45m', '2026-11-29T11:15:00Z'],
    ['12h', '2026-11-29T00:00:00Z'],
    ['7d', '2026-11-22T12:00:00Z'],
    ['2w', '2026-11-15T12:00:00Z'],
    ['2026-03-14', '2026-03-14T00:00:00Z'],
    ['2026-03-14T09:22:11Z', '2026-03-14T09:22:11Z'],
    ['2026-03-14T09:22:11+02:00', '2026-03-14T07:22:11Z'],
  ])('%s → %s', (input, output) => {
    expect(parseWhen(input, '--x', NOW)).toBe(output);
  });

  it.each(['yesterday', '7', '2026-02-30', '2026-03-14T09:22', '14/03/2026', '-3d'])(
    'rejects %s',
    (input) => {
      expect(() => parseWhen(input, '--created-after', NOW)).toThrow(UsageError);
    },
  );
});

describe('parseEnumList', () => {
  it('accepts comma-separated and repeated values in any case, without duplicates', () => {
    expect(
      parseEnumList(['call,Email_Reply', 'CALL', 'email-reply'], ['CALL', 'EMAIL_REPLY'], '--type'),
    ).toEqual(['CALL', 'EMAIL_REPLY']);
  });
  it('names the allowed values', () => {
    expect(() => parseEnumList(['x'], ['A', 'B'], '--p')).toThrow("--p: invalid value 'x' (allowed: a, b)");
  });
});

describe('--json fields and numbers', () => {
  it('keeps the order asked for and rejects unknown fields', async () => {
    expect((await makeExporter({ json: 'b,a' }, ['a', 'b']))?.fields).toEqual(['b', 'a']);
    expect((await makeExporter({ json: true }, ['a']))?.fields).toBeUndefined();
    expect(await makeExporter({}, ['a'])).toBeUndefined();
    await expect(makeExporter({ json: 'a,zz' }, ['a'])).rejects.toThrow(
      "--json: unknown field 'zz' (valid: a)",
    );
    await expect(makeExporter({ json: 'a' }, undefined)).rejects.toThrow(/takes no field list/);
    await expect(makeExporter({ raw: true }, ['a'])).rejects.toThrow('--raw goes with --json or --query');
  });
  it('bounds numbers', () => {
    expect(parsePositiveInt('16', '--c', 16)).toBe(16);
    expect(() => parsePositiveInt('17', '--c', 16)).toThrow('--c: must be between 1 and 16, got 17');
    expect(() => parsePositiveInt('1.5', '--c')).toThrow(UsageError);
  });
});

describe('durationMs: the one reading of a length of time (ages of --created-after, --interval of watch)', () => {
  it.each([
    ['90s', 'smh', 's', 90_000],
    ['30', 'smh', 's', 30_000],
    ['5M', 'smh', 's', 300_000],
    ['1h', 'smh', 's', 3_600_000],
    ['2w', 'mhdw', undefined, 1_209_600_000],
    [' 45m ', 'mhdw', undefined, 2_700_000],
    ['30', 'mhdw', undefined, undefined],
    ['7d', 'smh', 's', undefined],
    ['1.5m', 'smh', 's', undefined],
    ['m', 'smh', 's', undefined],
    ['', 'smh', 's', undefined],
  ])('%j with units %s (bare: %s) is %s', (value, units, bare, ms) => {
    expect(durationMs(value, units, bare)).toBe(ms);
  });
  it('an age needs its unit', () => {
    expect(ageMs('12h')).toBe(43_200_000);
    expect(ageMs('12')).toBeUndefined();
  });
});
