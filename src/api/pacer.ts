/**
 * Paces the requests of one client to what the API accepts. Two limits apply to every request start:
 *
 * - a window of requests in flight: halved after a 429 (once per window of requests), grown by one per
 *   window's worth of answers while it is the limit that holds requests back (AIMD, as TCP does);
 * - a request rate, learned at each 429 from how many requests the API accepted in the second before the
 *   rejected one was sent (those still in flight included: sent earlier, the API counted them first). The rate restarts a little below that, climbs back to a plateau just under it,
 *   stays there a while, then probes upward slowly so that a higher limit is found again: the cubic curve of
 *   TCP CUBIC, in requests per second and seconds since the last 429. The margin under the accepted rate
 *   widens when 429s come while holding below it (jitter). The rate is kept as a spacing between starts and
 *   as a budget per second, so that after a burst (the one that found the limit) the next requests wait for
 *   it to leave that second instead of running into more 429s.
 *
 * When a 429 states the limit (`data: {limit, window_seconds}`), the rate never probes above just under it.
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
  /** How long the pacer held this request back (0 when it started at once). */
  readonly heldMs: number;
}

interface Start extends PacerTicket {
  /** Answered with 429 (the API did not count it), or not answered at all. */
  rejected: boolean;
  lost: boolean;
  /** Answered (or given up on). */
  settled: boolean;
}

export interface PacerOptions {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export const PACING = {
  /** The accepted requests counted at a 429 are those started this long before the rejected one. */
  rateWindowMs: 1000,
  /**
   * The share of the accepted rate the pacer settles at after a 429: a margin for jitter. A 429 while below the
   * last rate the API accepted (the margin was too thin) lowers it by plateauStep, down to lowestPlateau; a
   * 429 while probing above that rate gives half a step back.
   */
  plateau: 0.985,
  lowestPlateau: 0.9,
  plateauStep: 0.01,
  /** Right after a 429 the rate restarts this far below the plateau (as a share of the accepted rate). */
  restartBelowPlateau: 0.015,
  /**
   * Time scale of the cubic curve rate(t) = plateau·(1 + ((t − K)/scale)³) after a 429 at t = 0: back at the
   * plateau after K (7.4 s), at the accepted rate after 15 s, twice the plateau after 37 s, ten times after 70 s.
   */
  probeScaleMs: 30_000,
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
  /** The rate the pacer climbs back to after the last cut; Infinity while unpaced. */
  private ratePlateau = Infinity;
  /** When, after the last cut, the curve reaches the plateau (K). */
  private plateauAtMs = 0;
  /** The accepted rate measured at the last cut. */
  private lastAccepted = Infinity;
  private plateauShare: number = PACING.plateau;
  private rateCutAt = -Infinity;
  private windowCutAt = -Infinity;
  private nextStartAt = -Infinity;
  private srttMs: number | undefined;
  /** Requests started in the last two seconds (from recentHead on), in order of starting; 429s are marked. */
  private recentStarts: Start[] = [];
  private recentHead = 0;
  /** The limit the API stated in its last 429 that stated one (requests per second). */
  private statedRate = Infinity;
  /** A 429 whose lesson waits for the answers of the requests sent before it. */
  private pendingCut: { ticket: Start; at: number } | undefined;
  private readonly waiting: { resolve: (ticket: PacerTicket) => void; queuedAt: number }[] = [];
  private timerPending = false;
  /** A timer the pacer asked for has fired: the next request starts without looking at the clock again. */
  private woken = false;

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
      // Unpaced, nothing else to check: the common case costs next to nothing.
      if (!Number.isFinite(this.ratePlateau) || now >= this.earliestStart(now)) {
        return Promise.resolve(this.start(now, now));
      }
    }
    return new Promise((resolve) => {
      this.waiting.push({ resolve, queuedAt: this.options.now() });
      this.pump();
    });
  }

  /** `statedRate`: the limit a 429 stated, in requests per second. */
  release(ticket: PacerTicket, outcome: AttemptOutcome, statedRate?: number): void {
    const inFlightBefore = this.inFlightCount;
    this.inFlightCount = Math.max(0, this.inFlightCount - 1);
    const now = this.options.now();
    (ticket as Start).settled = true;
    if (outcome === 'answered') {
      const rtt = Math.max(0, now - ticket.startedAt);
      this.srttMs = this.srttMs === undefined ? rtt : this.srttMs + (rtt - this.srttMs) / 8;
      // Grow only a window that is what holds requests back: one more per window's worth of answers.
      if (Number.isFinite(this.windowSize) && inFlightBefore >= this.windowSize - 1) {
        this.windowSize += 1 / this.windowSize;
      }
    } else if (outcome === 'no-answer') {
      (ticket as Start).lost = true;
    } else if (outcome === 'rate-limited') {
      (ticket as Start).rejected = true;
      if (statedRate !== undefined && statedRate > 0 && Number.isFinite(statedRate))
        this.statedRate = statedRate;
      this.onRateLimited(ticket, inFlightBefore, now);
    }
    this.cutRate(now);
    this.pump();
  }

  private onRateLimited(ticket: PacerTicket, inFlightBefore: number, now: number): void {
    // Requests sent before the last cut were paced by the old limits: one cut per round of requests.
    if (ticket.startedAt >= this.windowCutAt) {
      const base = Math.min(this.windowSize, inFlightBefore);
      this.windowSize = Math.max(this.windowFloor(), Math.floor(base * PACING.windowBackoff));
      this.windowCutAt = now;
    }
    if (ticket.startedAt >= this.rateCutAt && !this.pendingCut) {
      this.pendingCut = { ticket: ticket as Start, at: now };
    }
  }

  /**
   * Learns the rate at a 429 once every request sent in the second before it has been answered: the API
   * counted those first, and their answers may arrive after the 429's. A request that takes longer than a
   * second is not waited for.
   */
  private cutRate(now: number): void {
    const cut = this.pendingCut;
    if (!cut) return;
    const { ticket } = cut;
    // Half a spacing more: a request accepted just before the window's edge (jitter) is still counted,
    // the one a whole spacing before it is not.
    const rateThen = this.rateAt(ticket.startedAt);
    const edge = Number.isFinite(rateThen) ? 500 / rateThen : 0;
    const from = ticket.startedAt - PACING.rateWindowMs - edge;
    const patient = now - cut.at < PACING.rateWindowMs;
    let acceptedRecently = 0;
    for (let i = this.recentHead; i < this.recentStarts.length; i++) {
      const s = this.recentStarts[i]!;
      if (s === ticket || s.startedAt > ticket.startedAt) break;
      if (s.startedAt <= from) continue;
      if (!s.settled && patient) return;
      if (s.settled && !s.rejected && !s.lost) acceptedRecently++;
    }
    this.pendingCut = undefined;
    // Nothing accepted in the last second says nothing about the rate: the window and Retry-After act alone.
    if (acceptedRecently === 0) return;
    const accepted = (acceptedRecently * 1000) / PACING.rateWindowMs;
    // A 429 right after a cut belongs to the same overload; later ones say where the margin stands.
    if (Number.isFinite(this.ratePlateau) && ticket.startedAt - this.rateCutAt >= this.plateauAtMs / 2) {
      this.plateauShare =
        rateThen < this.lastAccepted * (1 - PACING.plateauStep / 2)
          ? Math.max(PACING.lowestPlateau, this.plateauShare - PACING.plateauStep)
          : Math.min(PACING.plateau, this.plateauShare + PACING.plateauStep / 2);
    }
    const restartShare = this.plateauShare - PACING.restartBelowPlateau;
    const restart = Math.max(PACING.minRate, Math.min(this.rateAt(now), accepted * restartShare));
    this.ratePlateau = (restart * this.plateauShare) / restartShare;
    this.plateauAtMs = PACING.probeScaleMs * Math.cbrt(PACING.restartBelowPlateau / this.plateauShare);
    this.lastAccepted = accepted;
    this.rateCutAt = now;
  }

  /** The window never shrinks below what the paced rate needs in flight to be reached. */
  private windowFloor(): number {
    const rate = this.ratePlateau;
    if (!Number.isFinite(rate) || this.srttMs === undefined) return 1;
    return Math.max(1, Math.ceil((rate * this.srttMs) / 1000) + 1);
  }

  private rateAt(now: number): number {
    if (!Number.isFinite(this.ratePlateau)) return Infinity;
    const x = (Math.max(0, now - this.rateCutAt) - this.plateauAtMs) / PACING.probeScaleMs;
    const rate = Math.min(this.ratePlateau * (1 + x * x * x), this.statedRate * this.plateauShare);
    if (rate > PACING.maxRate) {
      this.ratePlateau = Infinity;
      return Infinity;
    }
    return rate;
  }

  private start(now: number, queuedAt: number): PacerTicket {
    this.inFlightCount++;
    const rate = this.rateAt(now);
    // Spaced from the actual start, never from a schedule: a late timer must not cause a burst to catch up.
    this.nextStartAt = Number.isFinite(rate) ? now + 1000 / rate : -Infinity;
    const ticket: Start = {
      startedAt: now,
      heldMs: Math.max(0, now - queuedAt),
      rejected: false,
      lost: false,
      settled: false,
    };
    this.recentStarts.push(ticket);
    // Unpaced, the list is only pruned now and then.
    if (this.recentStarts.length - this.recentHead > 4096) this.pruneStarts(now);
    return ticket;
  }

  /** The earliest time the next request may start: its spacing, and room in the last second's budget. */
  private earliestStart(now: number): number {
    let at = this.nextStartAt;
    this.pruneStarts(now);
    const rate = this.rateAt(now);
    if (Number.isFinite(rate)) {
      // Whole requests, rounded to the nearest: at a rate just under the limit (49.3 of 50), rounding up would
      // leave no room for a start that reaches the API a few milliseconds late.
      const budget = Math.max(1, Math.round((rate * PACING.rateWindowMs) / 1000));
      const counted = this.recentStarts.slice(this.recentHead).filter((s) => !s.rejected);
      // Room comes back when the budget-th most recent start leaves the window.
      if (counted.length >= budget) {
        at = Math.max(at, counted[counted.length - budget]!.startedAt + PACING.rateWindowMs);
      }
    }
    return at;
  }

  /** Forgets the starts older than two seconds: a 429 may be answered a while after its request was sent. */
  private pruneStarts(now: number): void {
    const starts = this.recentStarts;
    while (
      this.recentHead < starts.length &&
      starts[this.recentHead]!.startedAt <= now - 2 * PACING.rateWindowMs
    ) {
      this.recentHead++;
    }
    if (this.recentHead > 1024 && this.recentHead * 2 > starts.length) {
      this.recentStarts = starts.slice(this.recentHead);
      this.recentHead = 0;
    }
  }

  private pump(): void {
    while (this.waiting.length > 0 && this.inFlightCount < this.windowSize) {
      const now = this.options.now();
      if (this.woken) {
        // The sleep waited as long as asked, even where a test's clock does not move.
        this.woken = false;
      } else {
        const at = this.earliestStart(now);
        if (now < at) {
          this.wake(at - now);
          return;
        }
      }
      const next = this.waiting.shift()!;
      next.resolve(this.start(now, next.queuedAt));
    }
  }

  private wake(ms: number): void {
    if (this.timerPending) return;
    this.timerPending = true;
    void this.options.sleep(ms).then(() => {
      this.timerPending = false;
      this.woken = true;
      this.pump();
    });
  }
}
