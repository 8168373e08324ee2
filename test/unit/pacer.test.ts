import { describe, expect, it } from 'vitest';
import { Pacer } from '../../src/api/pacer.js';

/** A clock that moves only when every request is waiting on it: simulated seconds cost no real time. */
class FakeClock {
  time = 0;
  sleeps = 0;
  private timers: { at: number; resolve: () => void }[] = [];

  now = (): number => this.time;

  sleep = (ms: number): Promise<void> => {
    this.sleeps++;
    return new Promise((resolve) => this.timers.push({ at: this.time + Math.max(0, ms), resolve }));
  };

  /** Fires timers in time order until `done` holds. */
  async run(done: () => boolean): Promise<void> {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (done()) return;
      this.timers.sort((a, b) => a.at - b.at);
      const timer = this.timers.shift();
      if (!timer) throw new Error('stalled: nothing left to wait for');
      this.time = Math.max(this.time, timer.at);
      timer.resolve();
    }
  }
}

/** The sandbox's limiter: at most `limit(now)` requests accepted in any sliding second, 429 + Retry-After beyond. */
class SlidingWindowServer {
  accepted: number[] = [];
  rejected: number[] = [];
  private window: number[] = [];

  constructor(
    private readonly clock: FakeClock,
    private readonly limit: (now: number) => number,
  ) {}

  /** 0 when accepted, else the Retry-After in seconds. */
  handle(): number {
    const now = this.clock.time;
    while (this.window.length > 0 && this.window[0]! <= now - 1000) this.window.shift();
    if (this.window.length >= this.limit(now)) {
      this.rejected.push(now);
      return Math.max(1, Math.ceil((this.window[0]! + 1000 - now) / 1000));
    }
    this.window.push(now);
    this.accepted.push(now);
    return 0;
  }

  acceptedBetween(from: number, to: number): number {
    return this.accepted.filter((t) => t >= from && t < to).length;
  }

  rejectedBetween(from: number, to: number): number {
    return this.rejected.filter((t) => t >= from && t < to).length;
  }
}

interface Sample {
  at: number;
  inFlight: number;
  window: number;
  rate: number;
}

/**
 * `workers` loops sending requests through one pacer for `durationMs` of simulated time, each answered after
 * `latencyMs`; a 429 makes only its own request wait its Retry-After. Samples the pacer every 100 ms.
 */
async function simulate(opts: {
  workers: number;
  latencyMs: number;
  durationMs: number;
  limit: (now: number) => number;
  /** Extra latency of each request, drawn evenly from 0 to this (a seeded generator: the same every run). */
  jitterMs?: number;
}) {
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const clock = new FakeClock();
  const pacer = new Pacer({ now: clock.now, sleep: clock.sleep });
  const server = new SlidingWindowServer(clock, opts.limit);
  const samples: Sample[] = [];
  let stop = false;
  let running = opts.workers;
  const worker = async () => {
    while (!stop) {
      const ticket = await pacer.acquire();
      await clock.sleep(opts.latencyMs + random() * (opts.jitterMs ?? 0));
      const retryAfter = server.handle();
      if (retryAfter > 0) {
        pacer.release(ticket, 'rate-limited');
        await clock.sleep(retryAfter * 1000);
      } else {
        pacer.release(ticket, 'answered');
      }
    }
    running--;
  };
  const sampler = async () => {
    while (clock.time < opts.durationMs) {
      samples.push({ at: clock.time, inFlight: pacer.inFlight, window: pacer.window, rate: pacer.rate });
      await clock.sleep(100);
    }
    stop = true;
  };
  const all = Promise.all([...Array.from({ length: opts.workers }, worker), sampler()]);
  await clock.run(() => stop && running === 0);
  await all;
  const between = (from: number, to: number) => samples.filter((s) => s.at >= from && s.at < to);
  return { clock, pacer, server, samples, between };
}

describe('Pacer', () => {
  it('costs nothing without rate limits: no waits, every request starts at once', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ now: clock.now, sleep: clock.sleep });
    for (let round = 0; round < 100; round++) {
      const tickets = await Promise.all(Array.from({ length: 16 }, () => pacer.acquire()));
      expect(pacer.inFlight).toBe(16);
      clock.time += 5;
      for (const t of tickets) pacer.release(t, 'answered');
    }
    expect(clock.sleeps).toBe(0);
    expect(pacer.rate).toBe(Infinity);
    expect(pacer.window).toBe(Infinity);
  });

  it('halves the requests in flight once for a round of 429s, and lets them grow back as answers flow', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ now: clock.now, sleep: clock.sleep });
    const tickets = await Promise.all(Array.from({ length: 16 }, () => pacer.acquire()));
    clock.time = 100;
    // Nothing accepted in the last second: no rate to learn, the window alone reacts.
    for (const t of tickets) pacer.release(t, 'rate-limited');
    expect(pacer.window).toBe(8);
    expect(pacer.rate).toBe(Infinity);
    const next = await Promise.all(Array.from({ length: 8 }, () => pacer.acquire()));
    let ninth = false;
    void pacer.acquire().then(() => (ninth = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(ninth).toBe(false);
    clock.time = 200;
    for (const t of next) pacer.release(t, 'answered');
    await new Promise((resolve) => setImmediate(resolve));
    expect(ninth).toBe(true);
    expect(pacer.window).toBeGreaterThan(8);
  });

  it('learns the rate from the requests sent before a 429, even when their answers come after it', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ now: clock.now, sleep: clock.sleep });
    const tickets = [];
    for (let i = 0; i < 21; i++) {
      tickets.push(await pacer.acquire());
      clock.time += 10;
    }
    clock.time = 300;
    // The 21st was one too many; its 429 is read before the 20 answers sent ahead of it.
    pacer.release(tickets[20]!, 'rate-limited');
    expect(pacer.rate).toBe(Infinity);
    for (const t of tickets.slice(0, 19)) pacer.release(t, 'answered');
    expect(pacer.rate).toBe(Infinity);
    pacer.release(tickets[19]!, 'answered');
    // 20 accepted in the second before it: restarts a little under 20 a second.
    expect(pacer.rate).toBeGreaterThan(19);
    expect(pacer.rate).toBeLessThan(20);
  });

  it('at 100 ms latency: fewer requests in flight after 429s, the rate follows the limit, then recovers when they stop', async () => {
    // 50 requests/s for 15 s, then no limit for 45 s.
    const { server, between } = await simulate({
      workers: 16,
      latencyMs: 100,
      durationMs: 60_000,
      limit: (now) => (now < 15_000 ? 50 : Infinity),
    });
    const before = between(0, 50);
    expect(Math.max(...before.map((s) => s.inFlight))).toBe(16);
    // Limited: at most what the paced rate needs in flight (~5), and a rate just under the limit.
    const limited = between(3000, 15_000);
    expect(Math.max(...limited.map((s) => s.inFlight))).toBeLessThanOrEqual(8);
    for (const s of limited) {
      expect(s.rate).toBeGreaterThan(45);
      expect(s.rate).toBeLessThan(53);
    }
    // Throughput within 10% of the limit, with few 429s once the limit is learned.
    expect(server.acceptedBetween(3000, 15_000)).toBeGreaterThanOrEqual(0.9 * 50 * 12);
    expect(server.rejectedBetween(3000, 15_000)).toBeLessThan(0.05 * 50 * 12);
    // After the limit is lifted the rate is probed upward until every worker is busy again.
    const last = between(50_000, 60_000);
    expect(Math.min(...last.map((s) => s.inFlight))).toBe(16);
    expect(server.acceptedBetween(50_000, 60_000)).toBeGreaterThan(1500);
  });

  it('keeps 429s rare and throughput near the limit when latency jitters by 40 ms', async () => {
    const { server, between } = await simulate({
      workers: 16,
      latencyMs: 100,
      jitterMs: 40,
      durationMs: 120_000,
      limit: () => 50,
    });
    // about one 429 in ten seconds: the margin under the limit widens where a thin one keeps failing
    expect(server.rejectedBetween(10_000, 120_000)).toBeLessThanOrEqual(15);
    expect(server.acceptedBetween(10_000, 120_000)).toBeGreaterThanOrEqual(0.9 * 50 * 110);
    for (const s of between(10_000, 120_000)) expect(s.rate).toBeLessThan(51);
  });

  it('at 0 ms latency the spacing between starts holds the rate under the limit, and follows it down and up', async () => {
    // 10/s, then 4/s from 30 s, then 8/s from 60 s.
    const limit = (now: number) => (now < 30_000 ? 10 : now < 60_000 ? 4 : 8);
    const { server, between } = await simulate({ workers: 4, latencyMs: 0, durationMs: 110_000, limit });
    const rates = (from: number, to: number) => between(from, to).map((s) => s.rate);
    for (const rate of rates(5000, 30_000)) {
      expect(rate).toBeGreaterThan(9);
      expect(rate).toBeLessThanOrEqual(10.5);
    }
    // Whole requests per second, rounded: a rate that drifts up to 4.5 starts 4 a second until a 429 cuts it.
    for (const rate of rates(35_000, 60_000)) {
      expect(rate).toBeGreaterThan(3.5);
      expect(rate).toBeLessThan(5);
    }
    expect(server.rejectedBetween(35_000, 60_000)).toBeLessThan(10);
    // A higher limit is found again by probing: the cubic curve is at 1.8 times the plateau 35 s after the last
    // 429 (which may come just before the limit rises), so within 40 s.
    for (const rate of rates(100_000, 110_000)) {
      expect(rate).toBeGreaterThan(7);
      expect(rate).toBeLessThanOrEqual(8.5);
    }
    expect(server.acceptedBetween(5000, 30_000)).toBeGreaterThanOrEqual(0.9 * 10 * 25);
    expect(server.acceptedBetween(35_000, 60_000)).toBeGreaterThanOrEqual(0.9 * 4 * 25);
    // Few 429s while the limit holds still: the pacer probes, it does not hammer.
    expect(server.rejectedBetween(5000, 30_000)).toBeLessThan(15);
  });
});
