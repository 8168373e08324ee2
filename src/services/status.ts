import pLimit from 'p-limit';
import type { ApiClient } from '../api/client.js';
import { listTasksPage } from '../api/tasks.js';
import { TASK_PRIORITIES, TASK_TYPES, type Contact, type Task, type TaskStatus } from '../api/types.js';
import {
  UNFINISHED_STATES,
  spreadOf,
  withOther,
  type JobNote,
  type MemberStatus,
  type RepStatus,
  type TeamStatus,
} from '../domain/status.js';
import { jobRows } from './jobs/rows.js';
import type { Job } from './jobs/store.js';
import { queueHead, queueListings, type StatusListing } from './queue.js';
import { claimSweepable, capKeeps, sinceOf } from './sweep.js';

/**
 * Where a rep, or a team, stands: every count is a listing's `total_count` with pages of one task, all sent side
 * by side, so the view costs the same few round trips whatever the size of the workspace.
 */

/** Requests in flight at once: a rep's view (20 listings) or a team of four (32) goes in one round trip. */
export const STATUS_REQUESTS_AT_ONCE = 32;

const REPLY_TYPES = ['EMAIL_REPLY', 'LINKEDIN_REPLY'] as const;

/**
 * A rep's open work by priority and type, replies waiting, the oldest HOT task and the next task by the rule
 * of `tasks next`: 20 listings side by side; then, when `contactOf` is given, the next task's contact.
 */
export async function repStatus(
  client: ApiClient,
  assignee: string,
  contactOf?: (task: Task) => Promise<Contact | null | undefined>,
): Promise<RepStatus> {
  const limit = pLimit(STATUS_REQUESTS_AT_ONCE);
  const count = (status: TaskStatus, type: string) =>
    limit(() =>
      listTasksPage(client, { status, assigneeUserId: assignee, types: [type] }, 1, 1).then(
        (page) => page.total_count,
      ),
    );
  const [listings, pendingByType, inProgressByType] = await Promise.all([
    queueListings(client, assignee, 1, limit),
    Promise.all(TASK_TYPES.map((type) => count('PENDING', type))),
    Promise.all(TASK_TYPES.map((type) => count('IN_PROGRESS', type))),
  ]);
  const member = memberOf(assignee, listings);
  const typeIndex = (type: string) => (TASK_TYPES as readonly string[]).indexOf(type);
  const next = queueHead(listings, new Set()).task;
  return {
    ...member,
    assignee,
    byType: withOther(
      TASK_TYPES,
      (type) => pendingByType[typeIndex(type)]! + inProgressByType[typeIndex(type)]!,
      member.open,
    ),
    repliesWaiting: Object.fromEntries(REPLY_TYPES.map((type) => [type, pendingByType[typeIndex(type)]!])),
    oldestHot: oldest(listings.map((l) => l.byPriority[priorityIndex('HOT')]!.items[0])),
    next,
    nextContact: next && contactOf ? await contactOf(next) : undefined,
  };
}

/**
 * Each member's open work by priority (8 listings each); covers due for return and jobs left unfinished that
 * involve a member; and for each finished offboarding whose work went to a member, how many open tasks of the
 * leaver match its subset now (2 listings each): all side by side.
 */
export async function teamStatus(
  client: ApiClient,
  team: readonly string[],
  jobs: readonly Job[],
  now: number,
): Promise<TeamStatus> {
  const limit = pLimit(STATUS_REQUESTS_AT_ONCE);
  // A rebalance has no leaver: it is neither a cover to give back nor an offboarding to sweep.
  const offboardings = jobs.filter((j) => !j.header?.rebalance);
  const notes = jobNotes(offboardings, now).filter((j) => [j.from, ...j.to].some((id) => team.includes(id)));
  const finished = notes.filter((j) => j.state === 'done' && j.until === null);
  const byId = new Map(offboardings.map((j) => [j.id, j]));
  const headers = new Map(offboardings.map((j) => [j.id, j.header]));
  const rules = finished.map((job) => ({
    id: job.id,
    from: job.from,
    created: headers.get(job.id)?.created ?? '',
    filters: headers.get(job.id)?.filters ?? {},
    keeps: capKeeps(byId.get(job.id)!),
    since: sinceOf(byId.get(job.id)!),
  }));
  const [members, claims] = await Promise.all([
    Promise.all(team.map(async (id) => memberOf(id, await queueListings(client, id, 1, limit)))),
    claimSweepable(client, rules, limit),
  ]);
  const reached = finished.map((job) => ({ job, tasks: claims.get(job.id)!.reached }));
  return {
    members,
    spread: spreadOf(members),
    coversDue: notes.filter((j) => j.state === 'due for return'),
    unfinished: notes.filter((j) => UNFINISHED_STATES.includes(j.state)),
    reached: reached.filter((r) => r.tasks > 0),
  };
}

/** A person's open work from the listings of their queue. */
function memberOf(userId: string, listings: readonly StatusListing[]): MemberStatus {
  const of = (status: TaskStatus) => listings.find((l) => l.status === status)!;
  const pending = of('PENDING').every.total_count;
  const inProgress = of('IN_PROGRESS').every.total_count;
  // byPriority holds a page per known priority, in TASK_PRIORITIES order.
  const byPriority = withOther(
    TASK_PRIORITIES,
    (p) => listings.reduce((sum, l) => sum + l.byPriority[priorityIndex(p)]!.total_count, 0),
    pending + inProgress,
  );
  return { userId, open: pending + inProgress, pending, inProgress, byPriority };
}

const priorityIndex = (p: string) => (TASK_PRIORITIES as readonly string[]).indexOf(p);

function oldest(tasks: readonly (Task | undefined)[]): Task | null {
  return tasks.reduce<Task | null>(
    (first, t) => (t && (!first || t.created_at < first.created_at) ? t : first),
    null,
  );
}

/** The jobs as `tasks reassign --jobs` sees them, with when their last run of moves ended. */
function jobNotes(jobs: readonly Job[], now: number): JobNote[] {
  const ends = new Map(jobs.map((j) => [j.id, j.lastEnd('move')?.time ?? null]));
  // A plan file that moved several people's tasks has no leaver: nothing of it reaches one.
  return jobRows([...jobs], now)
    .flatMap(({ from, ...r }) => (from === null ? [] : [{ ...r, from }]))
    .map((r) => ({
      id: r.id,
      from: r.from,
      to: r.to,
      state: r.state,
      until: r.until,
      endedAt: ends.get(r.id) ?? null,
    }));
}
