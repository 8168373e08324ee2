import { describe, expect, it } from 'vitest';
import { sandbox, topo } from '../helpers.js';

/** Input a new user typed in trials: each is refused with one clear line and exit 2, before any request. */
describe('input refused before any request', () => {
  it.each([
    [['tasks', 'list', '-L', '-5'], '--limit: must be at least 1, got -5'],
    [['tasks', 'list', '-L', '0'], '--limit: must be at least 1, got 0'],
    [
      ['tasks', 'list', '-L', '99999999999999999999'],
      '--limit: 99999999999999999999 is too large (at most 9007199254740991)',
    ],
    [
      ['tasks', 'reassign', '--from', 'alice', '--to', 'bob', '--cap', '-3', '--dry-run'],
      '--cap: must be at least 1, got -3',
    ],
    [['tasks', 'watch', '--count', '-1'], '--count: must be at least 1, got -1'],
    [['tasks', 'list', '-L', '2.5'], "--limit: '2.5' is not a whole number"],
    [['tasks', 'list', '-a', 'bob,carla'], "--assignee: takes one person, not a list ('bob,carla')"],
    [['tasks', 'list', '-a', '--json'], "--assignee: its value is missing ('--json' is a flag)"],
    [['status', '--team', '--json'], "--team: its value is missing ('--json' is a flag)"],
    [
      ['tasks', 'list', '-a', ''],
      "--assignee: an empty name (a variable not set?); give a person, 'me' or 'none'",
    ],
    [
      ['tasks', 'watch', '-a', ' '],
      "--assignee: an empty name (a variable not set?); give a person, 'me' or 'none'",
    ],
    [
      ['tasks', 'next', '-a', ''],
      "--assignee: an empty name (a variable not set?); give a person, 'me' or 'none'",
    ],
    [
      ['tasks', 'list', '--template', 'Closed-Lost', 'Win-Back'],
      "too many arguments for 'list': 'topo tasks list' takes none, and 'Win-Back' is left over (a flag's value without its flag, or a value with spaces not quoted?)",
    ],
    [
      ['tasks', 'reassign', '--from', 'erin', '--to', 'bob,,carla', '--dry-run'],
      "--to: an empty name in 'bob,,carla' (a name left out, or a stray comma?)",
    ],
    [
      ['tasks', 'rebalance', '--team', 'gia,hugo,', '--dry-run'],
      "--team: an empty name in 'gia,hugo,' (a name left out, or a stray comma?)",
    ],
    [
      ['--api-url', '', 'tasks', 'list'],
      '--api-url: empty; give the base URL, such as https://api.topo.io/v1',
    ],
    [['completion', 'tcsh'], "<shell>: invalid value 'tcsh' (allowed: zsh, bash, fish, powershell)"],
    [
      ['tasks', 'list', '--created-after', '2026-12-01T09:00:00'],
      "--created-after: '2026-12-01T09:00:00' has no time zone: add Z for UTC or the offset (2026-12-01T09:00:00Z, 2026-12-01T09:00:00+01:00)",
    ],
    [
      ['alias', 'set', 'Ünï', 'd4e8eb2a-f2f2-4165-a881-cd424e42a851'],
      "alias 'Ünï': start with a letter a–z; use letters a–z, digits, '.', '-' and '_' (no accents or spaces)",
    ],
    [
      ['tasks', 'show', 'a', 'b', 'c'],
      "too many arguments for 'show': 'topo tasks show' takes <id>, and 'b' 'c' are left over (a flag's value without its flag, or a value with spaces not quoted?)",
    ],
  ])('%j: %s', async (args, message) => {
    const s = await sandbox();
    const r = await topo(args, { sandbox: s });
    expect(r.stderr).toBe(`error: ${message}\n`);
    expect(r.code).toBe(2);
    expect(s.requests).toHaveLength(0);
  });

  it.each(['0m', '0d', '0w'])(
    '--until %s, a cover already due, is refused as a past date is',
    async (until) => {
      const s = await sandbox();
      const r = await topo(
        ['tasks', 'reassign', '--from', 'erin', '--to', 'dev', '--until', until, '--yes'],
        {
          sandbox: s,
        },
      );
      expect(r.stderr).toBe(`error: --until: ${until} from now has passed already: give a time ahead\n`);
      expect(r.code).toBe(2);
      expect(s.requests).toHaveLength(0);
      const past = await topo(
        ['tasks', 'reassign', '--from', 'erin', '--to', 'dev', '--until', '2020-01-01'],
        {
          sandbox: s,
        },
      );
      expect(past.stderr).toBe('error: --until: 2020-01-01 has passed\n');
      expect(past.code).toBe(2);
    },
  );

  it('an ID after --json (taken as its fields) is said as such, before any request', async () => {
    const s = await sandbox();
    const id = s.store.state.tasks[0]!.id;
    const r = await topo(['tasks', 'show', '--json', id], { sandbox: s });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr).error.message).toBe(
      `--json took '${id}' as its list of fields, and <id> is missing: put --json after it (topo tasks show <id> --json), or write --json=<fields>`,
    );
    expect(s.requests).toHaveLength(0);
    // Without --json's fields in the way, the missing argument is said as commander says it.
    const none = await topo(['tasks', 'show'], { sandbox: s });
    expect(none.stderr).toBe("error: missing required argument 'id'\n");
  });

  it('--all with -L is refused: one fetches every match, the other stops at n', async () => {
    const s = await sandbox();
    const r = await topo(['tasks', 'list', '--all', '-L', '5'], { sandbox: s });
    expect(r.stderr).toBe('error: --all fetches every match and --limit stops at 5: give one of them\n');
    expect(r.code).toBe(2);
    expect(s.requests).toHaveLength(0);
    // --all alone still lists every open task.
    const all = await topo(['tasks', 'list', '--all'], { sandbox: s });
    expect(all.code).toBe(0);
    expect(all.stdout.trimEnd().split('\n').length).toBeGreaterThan(30);
  });

  it("tasks next with 'me' not set says what to do, without naming a flag that was not typed", async () => {
    const s = await sandbox();
    const r = await topo(['tasks', 'next'], { sandbox: s });
    expect(r.stderr).toBe(
      "error: 'topo tasks next' shows your own queue, and 'me' is not set: run 'topo alias set me --from-task <id of one of your tasks>' (or 'topo alias set me <your-user-uuid>'), give -a <user>, or try it on the sandbox with 'topo --sandbox tasks next'\n",
    );
    expect(r.code).toBe(2);
    expect(s.requests).toHaveLength(0);
    // Typed, the flag is named as before.
    const typed = await topo(['tasks', 'next', '-a', 'me'], { sandbox: s });
    expect(typed.stderr).toMatch(/^error: --assignee: 'me' is not set; run 'topo alias set me/);
    expect(typed.code).toBe(2);
    // With no key at all, that comes first: setting 'me' from a task needs one.
    for (const argv of [['tasks', 'next'], ['status']]) {
      const keyless = await topo(argv, { key: null });
      expect(keyless.code, keyless.stderr).toBe(4);
      expect(keyless.stderr).toMatch(/^error: no API key/);
    }
  });

  it('a --query that reads a related object (contact, sequence_run) fetches it, as --json naming it does', async () => {
    const s = await sandbox();
    const bob = s.store.users[1]!.id;
    const r = await topo(['tasks', 'next', '-a', bob, '--query', 'contact.first_name', '-r'], {
      sandbox: s,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\p{Lu}\p{Ll}+\n$/u);
    const run = await topo(
      ['tasks', 'list', '-a', bob, '-L', '1', '--query', '[0].sequence_run.status', '-r'],
      {
        sandbox: s,
      },
    );
    expect(run.stdout).toMatch(/^[A-Z_]+\n$/);
    // A literal that reads like one is not a field: nothing is fetched for it.
    s.requests.length = 0;
    await topo(['tasks', 'list', '-a', bob, '-L', '1', '--query', "[?type=='contact'].id"], { sandbox: s });
    expect(s.received('GET', /^\/v1\/contacts/)).toHaveLength(0);
  });
});
