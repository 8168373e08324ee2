/**
 * Paces the requests of one client to what the API accepts. Two limits apply to every request start:
 *
 * - a window of requests in flight: halved after a 429 (once per window of requests), grown by one per
 *   window's worth of answers while it is the limit that holds requests back (AIMD, as TCP does);
 * - a request rate (a spacing between starts), learned at each 429 from how many requests the API accepted
 *   in the second before the rejected one was sent, paced a little below that, then probed upward slowly
 *   (cubic in the time since the last 429) so that a higher limit is found again.
 *
 * Until the first 429 neither limit applies, so an API without rate limits costs no waiting at all.
 */

export type AttemptOutcome =
  /** The API answered with anything but 429: it accepted the request into its rate budget. */
  | 'answered'
  | 'rate-limited'
  /** No answer: connection refused or dropped, timeout. */
  | 'no-answer';

export interface PacerTicket {
  readonly startedAt: number;
}

export interface PacerOptions {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export const PACING = {
  /** The accepted requests counted at a 429 are those started this long before the rejected one. */
  rateWindowMs: 1000,
  /** After a 429, requests start at this share of the rate the API accepted. */
  rateBackoff: 0.97,
  /** The rate grows by (t / probeScaleMs)³ of itself, t after the last 429: +3% after 5 s, ×2 after 16 s. */
  probeScaleMs: 16_000,
  /** Requests per second never paced below this. */
  minRate: 0.5,
  /** A paced rate that has grown past this many requests per second is no longer paced. */
  maxRate: 10_000,
  /** The window of requests in flight is multiplied by this after a 429. */
  windowBackoff: 0.5,
} as const;

export class Pacer {
  private windowSize = Infinity;
  private inFlightCount = 0;
  /** Requests per second right after the last rate cut; Infinity while unpaced. */
  private rateAtCut = Infinity;
  private rateCutAt = -Infinity;
  private windowCutAt = -Infinity;
  private nextStartAt = -Infinity;
  private srttMs: number | undefined;
  /** Start times of recent requests the API accepted (not in order: answers arrive out of order). */
  private accepted: number[] = [];
  private prunedLength = 0;
  private readonly waiting: ((ticket: PacerTicket) => void)[] = [];
  private timerPending = false;

  constructor(private readonly options: PacerOptions) {}

  /** Requests per second that the pacer lets start now; Infinity when it does not pace. */
  get rate(): number {
    return this.rateAt(this.options.now());
  }

  /** How many requests may be in flight at once; Infinity until the first 429. */
  get window(): number {
    return this.windowSize;
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  /** Requests waiting for their turn. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves when a request may start; every ticket must be released once with the attempt's outcome. */
  acquire(): Promise<PacerTicket> {
    if (this.waiting.length === 0 && this.inFlightCount < this.windowSize) {
      const now = this.options.now();
      if (now >= this.nextStartAt) return Promise.resolve(this.start(now));
    }
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.pump();
    });
  }

  release(ticket: PacerTicket, outcome: AttemptOutcome): void {
    const inFlightBefore = this.inFlightCount;
    this.inFlightCount = Math.max(0, this.inFlightCount - 1);
    const now = this.options.now();
    if (outcome === 'answered') {
      const rtt = Math.max(0, now - ticket.startedAt);
      this.srttMs = this.srttMs === undefined ? rtt : this.srttMs + (rtt - this.srttMs) / 8;
      this.recordAccepted(ticket.startedAt, now);
      // Grow only a window that is what holds requests back: one more per window's worth of answers.
      if (Number.isFinite(this.windowSize) && inFlightBefore >= this.windowSize - 1) {
        this.windowSize += 1 / this.windowSize;
      }
    } else if (outcome === 'rate-limited') {
      this.onRateLimited(ticket, inFlightBefore, now);
    }
    this.pump();
  }

  private onRateLimited(ticket: PacerTicket, inFlightBefore: number, now: number): void {
    // Requests sent before the last cut were paced by the old limits: one cut per round of requests.
    if (ticket.startedAt >= this.windowCutAt) {
      const base = Math.min(this.windowSize, inFlightBefore);
      this.windowSize = Math.max(this.windowFloor(), Math.floor(base * PACING.windowBackoff));
      this.windowCutAt = now;
    }
    if (ticket.startedAt >= this.rateCutAt) {
      const from = ticket.startedAt - PACING.rateWindowMs;
      let acceptedRecently = 0;
      for (const at of this.accepted) if (at > from && at <= ticket.startedAt) acceptedRecently++;
      // Nothing accepted in the last second says nothing about the rate: the window and Retry-After act alone.
      if (acceptedRecently > 0) {
        const perSecond = (acceptedRecently * 1000) / PACING.rateWindowMs;
        const current = this.rateAt(now);
        this.rateAtCut = Math.max(PACING.minRate, Math.min(current, perSecond * PACING.rateBackoff));
        this.rateCutAt = now;
      }
    }
  }

  /** The window never shrinks below what the paced rate needs in flight to be reached. */
  private windowFloor(): number {
    const rate = this.rateAtCut;
    if (!Number.isFinite(rate) || this.srttMs === undefined) return 1;
    return Math.max(1, Math.ceil((rate * this.srttMs) / 1000) + 1);
  }

  private rateAt(now: number): number {
    if (!Number.isFinite(this.rateAtCut)) return Infinity;
    const t = Math.max(0, now - this.rateCutAt) / PACING.probeScaleMs;
    const rate = this.rateAtCut * (1 + t * t * t);
    if (rate > PACING.maxRate) {
      this.rateAtCut = Infinity;
      return Infinity;
    }
    return rate;
  }

  private start(now: number): PacerTicket {
    this.inFlightCount++;
    const rate = this.rateAt(now);
    // Spaced from the actual start, never from a schedule: a late timer must not cause a burst to catch up.
    this.nextStartAt = Number.isFinite(rate) ? now + 1000 / rate : -Infinity;
    return { startedAt: now };
  }

  private pump(): void {
    while (this.waiting.length > 0 && this.inFlightCount < this.windowSize) {
      const now = this.options.now();
      if (now < this.nextStartAt) {
        this.wake(this.nextStartAt - now);
        return;
      }
      this.waiting.shift()!(this.start(now));
    }
  }

  private wake(ms: number): void {
    if (this.timerPending) return;
    this.timerPending = true;
    void this.options.sleep(ms).then(() => {
      this.timerPending = false;
      // The sleep waited as long as asked, even where a test's clock does not move.
      this.nextStartAt = Math.min(this.nextStartAt, this.options.now());
      this.pump();
    });
  }

  private recordAccepted(startedAt: number, now: number): void {
    this.accepted.push(startedAt);
    if (this.accepted.length > 2 * this.prunedLength + 64) {
      const keepFrom = now - 2 * PACING.rateWindowMs;
      this.accepted = this.accepted.filter((at) => at > keepFrom);
      this.prunedLength = this.accepted.length;
    }
  }
}
