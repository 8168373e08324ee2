import { describe, expect, it } from 'vitest';
import { runPool, type RateLimitWaits } from '../../src/services/bulk.js';

/** A stand-in for the client: items mark themselves as waiting out a 429. */
class Waits implements RateLimitWaits {
  waitingOut = 0;
  private listeners = new Set<() => void>();
  onWaitingOut(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  startWaiting(): void {
    this.waitingOut++;
    for (const l of this.listeners) l();
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('runPool', () => {
  it('runs at most `concurrency` items at once, every item once, results in input order', async () => {
    let running = 0;
    let most = 0;
    const results = await runPool([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      most = Math.max(most, running);
      await tick();
      running--;
      return n * 10;
    });
    expect(results).toEqual([10, 20, 30, 40, 50, 60, 70]);
    expect(most).toBe(3);
  });

  it('starts nothing new once asked to stop, and lets the items in flight finish', async () => {
    let stop = false;
    const started: number[] = [];
    const finished: number[] = [];
    await runPool(
      [1, 2, 3, 4, 5, 6],
      2,
      async (n) => {
        started.push(n);
        if (n === 2) stop = true;
        await tick();
        finished.push(n);
      },
      () => stop,
    );
    expect(started).toEqual([1, 2]);
    expect(finished.sort()).toEqual([1, 2]);
  });

  it('after a failure starts nothing new, waits for the items in flight, then throws the failure', async () => {
    const finished: number[] = [];
    const error = await runPool([1, 2, 3, 4, 5], 2, async (n) => {
      if (n === 1) throw new Error('boom');
      await tick();
      await tick();
      finished.push(n);
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('boom');
    expect(finished).toEqual([2]);
  });

  it('starts another item in the stead of one waiting out a 429, up to twice the concurrency', async () => {
    const waits = new Waits();
    const release: (() => void)[] = [];
    let running = 0;
    let most = 0;
    const done = runPool(
      Array.from({ length: 20 }, (_, i) => i),
      4,
      async () => {
        running++;
        most = Math.max(most, running);
        // every item waits out a 429, then for the test to let it go
        waits.startWaiting();
        await new Promise<void>((resolve) => release.push(resolve));
        waits.waitingOut--;
        running--;
      },
      () => false,
      waits,
    );
    await tick();
    expect(running).toBe(8);
    expect(most).toBe(8);
    while (release.length > 0) {
      release.shift()!();
      await tick();
    }
    await done;
    expect(most).toBe(8);
  });

  it('without 429s keeps to the concurrency even when given the client', async () => {
    const waits = new Waits();
    let running = 0;
    let most = 0;
    await runPool(
      Array.from({ length: 20 }, (_, i) => i),
      4,
      async () => {
        running++;
        most = Math.max(most, running);
        await tick();
        running--;
      },
      () => false,
      waits,
    );
    expect(most).toBe(4);
  });
});
