import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { takeLock } from '../../src/services/locks.js';
import { sandbox, scriptedPrompter, tempDir, topo } from '../helpers.js';

/** One run of a job at a time: a second run, or an undo, while one runs is refused before it does anything. */

async function aCappedJob() {
  const s = await sandbox();
  const [alice, bob, carla] = s.store.users.map((u) => u.id) as string[];
  const env = { TOPO_STATE_DIR: tempDir() };
  const args = ['tasks', 'reassign', '--from', alice!, '--to', bob!];
  const first = await topo([...args, '--cap', '3', '--yes'], { sandbox: s, env });
  expect(first.code, first.stderr).toBe(0);
  const id = /Job ([0-9a-f]{8}), journal/.exec(first.stderr)![1]!;
  const lock = join(env.TOPO_STATE_DIR, 'jobs', `${id}.lock`);
  return { s, alice: alice!, bob: bob!, carla: carla!, env, args, id, lock };
}

/**
 * The job run again with a raised cap on a terminal: at its question (the job's lock held), `meanwhile` runs,
 * then the count is typed.
 */
async function atTheQuestion(w: Awaited<ReturnType<typeof aCappedJob>>, meanwhile: () => Promise<void>) {
  const prompter = scriptedPrompter([
    async () => {
      await meanwhile();
      return /Type (\d+) to confirm/.exec(prompter.asked.at(-1)!)![1]!;
    },
  ]);
  return topo([...w.args, '--cap', '9'], { sandbox: w.s, env: w.env, tty: true, deps: { prompter } });
}

const busy = (id: string, lock: string) =>
  `error: job ${id} is in use by another topo process (a run, an undo or a sweep of it) (lock ${lock}); this one did nothing. Wait for it to end, or remove the lock if no topo is running.\n`;

describe('one run of a job at a time', () => {
  it('while a run waits at its confirmation, a second run and an undo of the job are refused; after it, both work', async () => {
    const w = await aCappedJob();
    const { s, env, args, id, lock } = w;
    const others: Awaited<ReturnType<typeof topo>>[] = [];
    let patchesMeanwhile = -1;
    // The run with a raised cap holds the job from its plan to its end; at its question, the others are tried.
    const run = await atTheQuestion(w, async () => {
      const before = s.received('PATCH').length;
      others.push(await topo([...args, '--cap', '9', '--yes'], { sandbox: s, env }));
      others.push(await topo(['tasks', 'reassign', '--undo', id, '--yes'], { sandbox: s, env }));
      patchesMeanwhile = s.received('PATCH').length - before;
    });
    // The same command again meets the leaver's lock first; the undo, the job's.
    const leaverLock = join(env.TOPO_STATE_DIR, 'jobs', `leaver-${w.alice}.lock`);
    expect(others.map((o) => [o.code, o.stdout, o.stderr])).toEqual([
      [
        1,
        '',
        `error: an offboarding of ${w.alice} is running in another topo process (lock ${leaverLock}); this one did nothing. Wait for it to end, or remove the lock if no topo is running.\n`,
      ],
      [1, '', busy(id, lock)],
    ]);
    expect(patchesMeanwhile).toBe(0);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('Done: 9 tasks moved (6 in this run, 3 before), 0 failed');
    expect(existsSync(lock)).toBe(false);
    // Released: the undo runs now.
    const undo = await topo(['tasks', 'reassign', '--undo', id, '--yes'], { sandbox: s, env });
    expect(undo.code, undo.stderr).toBe(0);
    expect(existsSync(lock)).toBe(false);
  });

  it('another offboarding of the same leaver (other successors) is refused while one runs', async () => {
    const w = await aCappedJob();
    let other: Awaited<ReturnType<typeof topo>> | undefined;
    const run = await atTheQuestion(w, async () => {
      other = await topo(['tasks', 'reassign', '--from', w.alice, '--to', w.carla, '--yes'], {
        sandbox: w.s,
        env: w.env,
      });
    });
    expect(run.code, run.stderr).toBe(0);
    expect(other!.code).toBe(1);
    expect(other!.stderr).toMatch(
      new RegExp(
        `^error: an offboarding of ${w.alice} is running in another topo process \\(lock .*leaver-${w.alice}\\.lock\\); this one did nothing`,
      ),
    );
    // After it, the other one runs (a new job of the same leaver, said as such).
    const after = await topo(['tasks', 'reassign', '--from', w.alice, '--to', w.carla, '--yes'], {
      sandbox: w.s,
      env: w.env,
    });
    expect(after.code, after.stderr).toBe(0);
    expect(after.stderr).toMatch(/note: job \w+ moved \d+ of .* tasks/);
  });

  it('a dry run takes no lock: it plans while a run holds the job', async () => {
    const w = await aCappedJob();
    const { s, env, args, id, lock } = w;
    let dry: Awaited<ReturnType<typeof topo>> | undefined;
    const run = await atTheQuestion(w, async () => {
      dry = await topo([...args, '--cap', '9', '--dry-run'], { sandbox: s, env });
    });
    expect(run.code, run.stderr).toBe(0);
    expect(dry!.code, dry!.stderr).toBe(0);
    expect(dry!.stderr).toContain('Dry run: nothing was changed.');
    expect(dry!.stderr).not.toContain(lock);
    expect(id).toMatch(/^[0-9a-f]{8}$/);
  });

  it('a lock left by a process that is gone (a kill) is taken over at once', async () => {
    const { s, env, args, id, lock } = await aCappedJob();
    // A process that has ended: its id names nobody now.
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    mkdirSync(lock);
    writeFileSync(join(lock, 'owner'), `${hostname()} ${gone}\n`);
    const again = await topo([...args, '--cap', '9', '--yes'], { sandbox: s, env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('in use');
    expect(existsSync(lock)).toBe(false);
    // A live holder's lock not refreshed for minutes (its process stopped, Ctrl-Z) is not taken as stale.
    const live = await takeLock(join(env.TOPO_STATE_DIR, 'jobs'), id, 'held');
    const old = new Date(Date.now() - 600_000);
    utimesSync(lock, old, old);
    const stopped = await topo(['tasks', 'reassign', '--undo', id, '--yes'], { sandbox: s, env });
    expect(stopped).toMatchObject({ code: 1, stderr: busy(id, lock) });
    await live();
    expect(existsSync(lock)).toBe(false);
    // One whose holder cannot be told (no owner named) is not taken: the person is told how to clear it.
    mkdirSync(lock);
    const held = await topo(['tasks', 'reassign', '--undo', id, '--yes'], { sandbox: s, env });
    expect(held).toMatchObject({ code: 1, stderr: busy(id, lock) });
  });
});
