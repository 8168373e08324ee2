import type { Contact, Task } from '../api/types.js';

/** `topo status`: where a rep stands, and where a team stands. Results only: the services fill them in. */

/** Counts by a task field: the known values in their order, and `other` for any value the API adds later. */
export type Counts = Record<string, number>;

/** One rep's open work, counted by the API (`total_count`), never by walking the tasks. */
export interface RepStatus {
  assignee: string;
  open: number;
  pending: number;
  inProgress: number;
  /** HOT, TODAY, EXTRA and other. */
  byPriority: Counts;
  /** The known types and other. */
  byType: Counts;
  /** Pending replies: EMAIL_REPLY and LINKEDIN_REPLY. */
  repliesWaiting: Counts;
  /** The open HOT task created first. */
  oldestHot: Task | null;
  /** The task to do now, by the rule of `tasks next`. */
  next: Task | null;
  /** Its contact: null when deleted, undefined when not looked up (the key's scopes, or no next task). */
  nextContact: Contact | null | undefined;
}

/** A team member's open work. */
export interface MemberStatus {
  userId: string;
  open: number;
  pending: number;
  inProgress: number;
  byPriority: Counts;
}

/** A job in the team's notes: a cover to give back, a job to finish, or a finished offboarding. */
export interface JobNote {
  id: string;
  from: string;
  to: string[];
  /** As `tasks reassign --jobs` says it: `due for return`, `incomplete`, `interrupted`, `stopped mid-run`, `done`. */
  state: string;
  until: string | null;
  /** When its last run of moves ended, if it did. */
  endedAt: string | null;
}

/** A finished offboarding and the open tasks of its leaver that match its subset now: what a sweep would move. */
export interface Reached {
  job: JobNote;
  tasks: number;
}

export interface TeamStatus {
  members: MemberStatus[];
  /** The fewest and the most open tasks any member holds. */
  spread: { fewest: number; most: number };
  coversDue: JobNote[];
  unfinished: JobNote[];
  reached: Reached[];
}

/** The states of a job whose last run left work to do: run the same command again. */
export const UNFINISHED_STATES: readonly string[] = ['incomplete', 'interrupted', 'stopped mid-run'];

export function spreadOf(members: readonly MemberStatus[]): TeamStatus['spread'] {
  const open = members.map((m) => m.open);
  return open.length ? { fewest: Math.min(...open), most: Math.max(...open) } : { fewest: 0, most: 0 };
}

/** Counts of `known` values (in order) and `other`: what the total holds beyond them. */
export function withOther(known: readonly string[], count: (value: string) => number, total: number): Counts {
  const counts: Counts = {};
  for (const value of known) counts[value] = count(value);
  counts.other = Math.max(0, total - known.reduce((sum, value) => sum + counts[value]!, 0));
  return counts;
}
