import type { Task } from '../api/types.js';
import type { RunMove } from './plan.js';

/**
 * Rebalancing a team by load: whole sequence runs move from the members above the team's mean to those below
 * it, the least disruptive first, until every member is within the tolerance of the mean or no whole-run move
 * narrows the gap any more. Pure rules: the counts and the runs come from the API (services/rebalance/).
 */

/** The reply types: a run holding one has a conversation under way. */
export const REPLY_TYPES: readonly string[] = ['EMAIL_REPLY', 'LINKEDIN_REPLY'];

/** Least disruptive first: a run of EXTRA tasks only, then one whose most urgent task is TODAY, then HOT. */
const CLASS_RANK: Record<string, number> = { EXTRA: 0, TODAY: 1, HOT: 2 };

/** Why a donor's run cannot move. */
export type HeldReason = 'active' | 'shared' | 'outside';

/** One run of a donor, as the plan weighs it. */
export interface DonorRun {
  sequence_id: string;
  from: string;
  /** The donor's open tasks of the run (within the subset). */
  tasks: Task[];
  /** Why it cannot move (undefined: it can). */
  held?: HeldReason;
  /** An IN_PROGRESS task or a reply task: moved only with --include-active, and then last. */
  active: boolean;
}

/** A member's load before and after the plan. */
export interface MemberLoad {
  id: string;
  before: number;
  after: number;
  gives: number;
  gets: number;
  /** Away: the cover job whose `from` they are (receives nothing, left out of the mean). */
  away: { job: string; until: string | null } | null;
}

export interface TeamBalance {
  members: MemberLoad[];
  /** The mean of the members present (not away). */
  mean: number;
  /** The tolerance as a fraction of the mean (0.15). */
  tolerance: number;
  /** The band every member should end in: mean ± tolerance. */
  band: { low: number; high: number };
  /** The most minus the fewest open tasks of the members present. */
  spread: { before: number; after: number };
  /** The widest distance from the mean of any member present, as a fraction of the mean. */
  widest: { before: number; after: number };
  /** Every member present ends within the band. */
  within: boolean;
  /** Runs of donors that stay, by why. */
  held: Record<HeldReason, number>;
  runs: number;
  tasks: number;
  /** Calls: one per run (a SEQUENCE call for several tasks, a TASK call for one). */
  calls: number;
  /** Each move: which run goes from whom to whom (whole runs only). */
  moves: { sequence_id: string; from: string; to: string; task_ids: string[]; priority: string }[];
}

/** A run's class: its most urgent priority (EXTRA < TODAY < HOT), an unknown priority as HOT. */
function classOf(run: DonorRun): number {
  return Math.max(...run.tasks.map((t) => CLASS_RANK[t.priority] ?? 2));
}

/** The run's most urgent priority, in words. */
function priorityOf(run: DonorRun): string {
  return ['EXTRA', 'TODAY', 'HOT'][classOf(run)]!;
}

/** Least disruption: active runs last (only with --include-active), then EXTRA, TODAY, HOT, smaller first. */
export function disruptionOrder(a: DonorRun, b: DonorRun): number {
  return (
    Number(a.active) - Number(b.active) ||
    classOf(a) - classOf(b) ||
    a.tasks.length - b.tasks.length ||
    (a.sequence_id < b.sequence_id ? -1 : a.sequence_id > b.sequence_id ? 1 : 0)
  );
}

/** Whether a run holds a conversation under way or a task being done. */
export function isActive(tasks: readonly Task[]): boolean {
  return tasks.some((t) => t.status === 'IN_PROGRESS' || REPLY_TYPES.includes(t.type));
}

/**
 * The plan: while a member present is outside the band, the member furthest above gives the least disruptive of
 * their runs that narrows the gap to the member furthest below (a run of `s` tasks narrows a gap `g` when
 * `s < g`; see firstMove for which), trying the next pair when none does. Every move lowers the sum of squared
 * loads, so it ends.
 */
export function planBalance(input: {
  counts: ReadonlyMap<string, number>;
  away: ReadonlyMap<string, { job: string; until: string | null }>;
  runs: readonly DonorRun[];
  tolerance: number;
  includeActive: boolean;
}): TeamBalance {
  const { counts, away, tolerance } = input;
  const present = [...counts.keys()].filter((id) => !away.has(id));
  const load = new Map(counts);
  const total = present.reduce((n, id) => n + load.get(id)!, 0);
  const mean = present.length ? total / present.length : 0;
  const band = { low: mean * (1 - tolerance), high: mean * (1 + tolerance) };
  const inBand = (id: string) => load.get(id)! >= band.low - 1e-9 && load.get(id)! <= band.high + 1e-9;
  const held: Record<HeldReason, number> = { active: 0, shared: 0, outside: 0 };
  const pool = new Map<string, DonorRun[]>();
  for (const run of input.runs) {
    const reason = run.held ?? (run.active && !input.includeActive ? 'active' : undefined);
    if (reason) held[reason]++;
    else pool.set(run.from, [...(pool.get(run.from) ?? []), run]);
  }
  for (const runs of pool.values()) runs.sort(disruptionOrder);
  const measure = () => {
    const open = present.map((id) => load.get(id)!);
    const spread = open.length ? Math.max(...open) - Math.min(...open) : 0;
    const widest = mean > 0 ? Math.max(0, ...open.map((n) => Math.abs(n - mean) / mean)) : 0;
    return { spread, widest };
  };
  const start = measure();
  const moves: TeamBalance['moves'] = [];
  while (!present.every(inBand) && mean > 0) {
    const byLoad = (a: string, b: string) => load.get(b)! - load.get(a)!;
    const donors = present.filter((id) => load.get(id)! > mean).sort(byLoad);
    const receivers = present.filter((id) => load.get(id)! < mean).sort((a, b) => byLoad(b, a));
    const pick = firstMove(donors, receivers, pool, load, band);
    if (!pick) break;
    const { run, to } = pick;
    pool.set(
      run.from,
      pool.get(run.from)!.filter((r) => r !== run),
    );
    load.set(run.from, load.get(run.from)! - run.tasks.length);
    load.set(to, load.get(to)! + run.tasks.length);
    moves.push({
      sequence_id: run.sequence_id,
      from: run.from,
      to,
      task_ids: run.tasks.map((t) => t.id),
      priority: priorityOf(run),
    });
  }
  const end = measure();
  const moved = (id: string, side: 'from' | 'to') =>
    moves.filter((m) => m[side] === id).reduce((n, m) => n + m.task_ids.length, 0);
  return {
    members: [...counts.keys()].map((id) => ({
      id,
      before: counts.get(id)!,
      after: load.get(id)!,
      gives: moved(id, 'from'),
      gets: moved(id, 'to'),
      away: away.get(id) ?? null,
    })),
    mean,
    tolerance,
    band,
    spread: { before: start.spread, after: end.spread },
    widest: { before: start.widest, after: end.widest },
    within: present.every(inBand),
    held,
    runs: moves.length,
    tasks: moves.reduce((n, m) => n + m.task_ids.length, 0),
    calls: moves.length,
    moves,
  };
}

/**
 * The first pair (most loaded donor, least loaded receiver first) with a run that narrows their gap: one that
 * leaves both within the band if there is such a run for any pair, else one that at most evens the two out (the
 * donor never ends with fewer tasks than the receiver: a run of `s` tasks with `2s ≤` the gap): the two never
 * trade places, and where both end outside the band they are nearer the mean than before.
 */
function firstMove(
  donors: string[],
  receivers: string[],
  pool: ReadonlyMap<string, DonorRun[]>,
  load: ReadonlyMap<string, number>,
  band: { low: number; high: number },
): { run: DonorRun; to: string } | undefined {
  for (const fits of [true, false])
    for (const from of donors)
      for (const to of receivers) {
        const [give, get] = [load.get(from)!, load.get(to)!];
        const run = pool
          .get(from)
          ?.find(
            (r) =>
              r.tasks.length < give - get &&
              (fits
                ? get + r.tasks.length <= band.high + 1e-9 && give - r.tasks.length >= band.low - 1e-9
                : 2 * r.tasks.length <= give - get),
          );
        if (run) return { run, to };
      }
  return undefined;
}

/** The plan's moves as a job moves them: one SEQUENCE call for a run of several tasks, a TASK call otherwise. */
export function balanceMoves(balance: TeamBalance): (RunMove & { from: string })[] {
  return balance.moves.map((m) => ({
    sequence_id: m.sequence_id,
    task_ids: m.task_ids,
    from: m.from,
    to: m.to,
    scope: m.task_ids.length > 1 ? 'SEQUENCE' : 'TASK',
    reason: null,
    whole: true,
  }));
}

/** The balance as a plan file carries it in its rules: everything but the moves (the file's tasks are those). */
export function balanceRules(b: TeamBalance): Omit<TeamBalance, 'moves'> {
  const { moves: _moves, ...rest } = b;
  return rest;
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isPair = (v: unknown, a: string, b: string): boolean =>
  !!v &&
  typeof v === 'object' &&
  isNumber((v as Record<string, unknown>)[a]) &&
  isNumber((v as Record<string, unknown>)[b]);

/**
 * The balance of a rebalance plan file: its rules' summary with the moves rebuilt from its tasks (a run each,
 * from its holder to its receiver when planned). Undefined when the rules do not hold one in shape.
 */
export function balanceOfPlan(
  summary: unknown,
  tasks: readonly {
    task_id: string;
    sequence_id: string;
    priority: string;
    before: { assignee_user_id: string | null };
    after: { assignee_user_id: string };
  }[],
): TeamBalance | undefined {
  const s = summary as Omit<TeamBalance, 'moves'> | undefined;
  const membersOk =
    Array.isArray(s?.members) &&
    s.members.every(
      (m) =>
        typeof m?.id === 'string' &&
        ['before', 'after', 'gives', 'gets'].every((k) =>
          isNumber((m as unknown as Record<string, unknown>)[k]),
        ),
    );
  if (
    !s ||
    !membersOk ||
    !isNumber(s.mean) ||
    !isNumber(s.tolerance) ||
    !isPair(s.band, 'low', 'high') ||
    !isPair(s.spread, 'before', 'after') ||
    !isPair(s.widest, 'before', 'after') ||
    typeof s.within !== 'boolean'
  )
    return undefined;
  const runs = new Map<string, TeamBalance['moves'][number]>();
  for (const t of tasks) {
    const run = runs.get(t.sequence_id) ?? {
      sequence_id: t.sequence_id,
      from: t.before.assignee_user_id ?? '',
      to: t.after.assignee_user_id,
      task_ids: [],
      priority: 'EXTRA',
    };
    run.task_ids.push(t.task_id);
    if ((CLASS_RANK[t.priority] ?? 2) > (CLASS_RANK[run.priority] ?? 2))
      run.priority = ['EXTRA', 'TODAY', 'HOT'][CLASS_RANK[t.priority] ?? 2]!;
    runs.set(t.sequence_id, run);
  }
  const moves = [...runs.values()];
  return {
    ...s,
    members: s.members.map((m) => ({ ...m, away: m.away ?? null })),
    held: {
      active: isNumber(s.held?.active) ? s.held.active : 0,
      shared: isNumber(s.held?.shared) ? s.held.shared : 0,
      outside: isNumber(s.held?.outside) ? s.held.outside : 0,
    },
    runs: moves.length,
    tasks: tasks.length,
    calls: moves.length,
    moves,
  };
}
