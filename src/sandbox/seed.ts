import { isoSeconds } from '../basics/time.js';
import type { Message, Task } from '../api/types.js';
import { hashString, Random } from './random.js';

export interface SandboxUser {
  id: string;
  name: string;
  /** The alias the CLI's sandbox mode gives this rep. */
  alias: string;
}

export interface SandboxState {
  version: 1;
  seed: number;
  /** The moment the seeded data ends; absent from state files written before it was recorded. */
  seeded_at?: string;
  organization_id: string;
  users: SandboxUser[];
  tasks: Task[];
  /** Field values set by tests over the derived runs, templates and contacts; present once one is set. */
  overrides?: SandboxOverrides;
  /**
   * Who wrote the outbound messages of a task that changed hands: its assignee before it first moved (a
   * conversation's past does not change with its owner); present once a task moved.
   */
  senders?: Record<string, string | null>;
}

/** Overridden fields by resource and id. */
export interface SandboxOverrides {
  runs?: Record<string, Record<string, unknown>>;
  templates?: Record<string, Record<string, unknown>>;
  contacts?: Record<string, Record<string, unknown>>;
}

const REPS: readonly (readonly [string, string])[] = [
  ['Alice Martin', 'alice'],
  ['Bob Chen', 'bob'],
  ['Carla Diaz', 'carla'],
  ['Dev Patel', 'dev'],
  ['Erin Walsh', 'erin'],
  ['Femi Okafor', 'femi'],
];

const DAY = 86_400_000;

/** Builds a deterministic workspace: the same seed and count always give the same users and tasks. */
export function seedState(options: { seed: number; tasks: number; now: number }): SandboxState {
  const rng = new Random(options.seed);
  const organization_id = rng.uuid();
  const users = REPS.map(([name, alias]) => ({ id: rng.uuid(), name, alias }));
  const tasks: Task[] = [];
  const span = 90 * DAY;
  while (tasks.length < options.tasks) {
    const owner = rng.pick(users);
    const sequenceId = rng.uuid();
    const runSize = Math.min(rng.int(1, 6), options.tasks - tasks.length);
    // Some runs hold a task of a second rep (a colleague covering one step).
    const guest = rng.chance(0.15) ? rng.pick(users.filter((u) => u !== owner)) : undefined;
    let created = options.now - rng.next() * span;
    for (let step = 0; step < runSize; step++) {
      created = Math.min(created + rng.int(1, 72) * 3_600_000 * rng.next(), options.now - 60_000);
      let assignee: string | null = owner.id;
      if (guest && step === runSize - 1 && runSize > 1) assignee = guest.id;
      if (rng.chance(0.04)) assignee = null;
      tasks.push(makeTask(rng, { organization_id, sequenceId, assignee, created, now: options.now }));
    }
  }
  tasks.push(...moreTypes(options.seed, organization_id, users, options.now));
  const team = unevenTeam(options.seed, organization_id, options.now);
  tasks.push(...team.tasks);
  return {
    version: 1,
    seed: options.seed,
    seeded_at: isoSeconds(options.now),
    organization_id,
    users: [...users, ...team.users],
    tasks,
  };
}

/**
 * The task types Topo has beyond the API reference's four: a to-do and a playbook approval for each rep, each
 * in a run of its own. Drawn after the other tasks from a random stream of their own, so that every task seeded
 * before them is what it always was.
 */
export const MORE_TASK_TYPES = ['TODO', 'PLAYBOOK_APPROVAL'] as const;

function moreTypes(seed: number, organization_id: string, users: SandboxUser[], now: number): Task[] {
  // A stream of their own, named for where these types come from (Topo's assistant surface).
  const rng = new Random(hashString('types of the assistant', seed >>> 0));
  return users.flatMap((user) =>
    MORE_TASK_TYPES.map((type) => {
      const created = now - 60_000 - rng.next() * 30 * DAY;
      const sequenceId = rng.uuid();
      return makeTask(rng, { organization_id, sequenceId, assignee: user.id, created, now, type });
    }),
  );
}

/**
 * A second team whose loads are uneven (to try `tasks rebalance`): five reps with 26, 15, 8, 4 and 2 open tasks,
 * in runs of one to four. Drawn last from a stream of their own, so that everything seeded before is as it was.
 */
const TEAM: readonly (readonly [string, string, number])[] = [
  ['Gia Romano', 'gia', 26],
  ['Hugo Lambert', 'hugo', 15],
  ['Ines Sato', 'ines', 8],
  ['Jon Berg', 'jon', 4],
  ['Kai Nakamura', 'kai', 2],
];

/** How many tasks the uneven team holds: seeded beyond `tasks`, as the more types are. */
export const TEAM_TASKS = TEAM.reduce((n, [, , load]) => n + load, 0);

/** The reps of the first team: the users a thread's sender is drawn from. */
export const FIRST_TEAM_SIZE = REPS.length;

function unevenTeam(
  seed: number,
  organization_id: string,
  now: number,
): { users: SandboxUser[]; tasks: Task[] } {
  const rng = new Random(hashString('an uneven team', seed >>> 0));
  const users = TEAM.map(([name, alias]) => ({ id: rng.uuid(), name, alias }));
  const tasks: Task[] = [];
  TEAM.forEach(([, , load], i) => {
    let left = load;
    while (left > 0) {
      const size = Math.min(rng.int(1, 4), left);
      const sequenceId = rng.uuid();
      // In the middle of the seeded span: the newest and the oldest tasks of the workspace stay what they were.
      let created = now - 50 * DAY + rng.next() * 8 * DAY;
      for (let step = 0; step < size; step++) {
        created = Math.min(created + rng.int(1, 48) * 3_600_000, now - 60_000);
        const type = rng.weighted([
          ['CALL', 55],
          ['NEW_LEAD_REVIEW', 35],
          ['EMAIL_REPLY', 6],
          ['LINKEDIN_REPLY', 4],
        ] as const);
        const task = makeTask(rng, {
          organization_id,
          sequenceId,
          assignee: users[i]!.id,
          created,
          now,
          type,
        });
        // Open work only: what a rebalance counts and moves.
        const status = rng.chance(0.05) ? 'IN_PROGRESS' : 'PENDING';
        tasks.push({ ...task, status, completed_at: null, skipped_at: null, disposition: null });
      }
      left -= size;
    }
  });
  return { users, tasks };
}

function makeTask(
  rng: Random,
  p: {
    organization_id: string;
    sequenceId: string;
    assignee: string | null;
    created: number;
    now: number;
    /** Drawn when not given. */
    type?: string;
  },
): Task {
  const type =
    p.type ??
    rng.weighted([
      ['CALL', 35],
      ['EMAIL_REPLY', 30],
      ['LINKEDIN_REPLY', 20],
      ['NEW_LEAD_REVIEW', 15],
    ] as const);
  const priority = rng.weighted([
    ['HOT', 20],
    ['TODAY', 50],
    ['EXTRA', 30],
  ] as const);
  const status = rng.weighted([
    ['PENDING', 45],
    ['IN_PROGRESS', 15],
    ['COMPLETED', 28],
    ['SKIPPED', 12],
  ] as const);
  const createdAt = isoSeconds(p.created);
  const later = (): number => Math.min(p.created + rng.next() * 5 * DAY, p.now);
  const task: Task = {
    id: rng.uuid(),
    organization_id: p.organization_id,
    type,
    priority,
    status,
    sequence_id: p.sequenceId,
    assignee_user_id: p.assignee,
    disposition: null,
    reopened_at: null,
    reopen_reason: null,
    skipped_at: null,
    completed_at: null,
    created_at: createdAt,
    updated_at: createdAt,
  };
  if (status === 'COMPLETED') {
    task.completed_at = isoSeconds(later());
    task.updated_at = task.completed_at;
    if (type === 'CALL') task.disposition = rng.pick(['ANSWERED', 'VOICEMAIL_LEFT', 'NO_ANSWER'] as const);
  } else if (status === 'SKIPPED') {
    task.skipped_at = isoSeconds(later());
    task.updated_at = task.skipped_at;
  } else if (status === 'PENDING' && rng.chance(0.1)) {
    task.reopened_at = isoSeconds(later());
    task.reopen_reason = 'REMINDER_RULE';
    task.updated_at = task.reopened_at;
  } else if (status === 'IN_PROGRESS') {
    task.updated_at = isoSeconds(later());
  }
  return task;
}

const SUBJECTS = [
  'Quick question about your Q3 pipeline',
  'Following up on our call',
  'Pricing for the team plan',
  'Intro: outbound at scale',
  'Re-engaging lapsed accounts',
  'Next steps after the demo',
];

const OUTBOUND_LINES = [
  'Hi {name},\n\nI noticed your team is hiring SDRs. Would a 15-minute call next week make sense?\n\nBest,\nthe team',
  'Hi {name},\n\nFollowing up on my last note. Happy to share how similar teams cut ramp time in half.\n\nCheers',
  'Thanks for the reply!\n\nI can do Tuesday at 10:00 or Thursday at 15:00. Which works better?',
  'Attaching the one-pager we discussed.\nLet me know if anything is unclear.',
];

const INBOUND_LINES = [
  'Thanks for reaching out.\nWe are evaluating tools this quarter — can you send pricing?',
  'Not the right time for us, maybe in Q1.',
  'Sure, Thursday works.\n\nPlease include our VP of Sales, she has questions about integrations.',
  'Who else on our team have you spoken to?',
  'Can you remind me how this differs from what we use today?\nWe already have a CRM sequence tool.',
];

/**
 * A task's conversation, derived from the seed and the task id, so it needs no storage. Oldest first.
 * Outbound messages greet the run's contact by first name, or "there" when the run has none.
 */
export function threadFor(state: SandboxState, task: Task, firstName: string | null = null): Message[] {
  // A to-do or a playbook approval is the rep's own work: no conversation behind it.
  if ((MORE_TASK_TYPES as readonly string[]).includes(task.type)) return [];
  const rng = new Random(hashString(task.id, state.seed >>> 0));
  const empty = task.type === 'NEW_LEAD_REVIEW' || task.type === 'CALL' ? rng.chance(0.15) : false;
  if (empty) return [];
  const count = rng.int(1, 8);
  const channel = task.type === 'LINKEDIN_REPLY' ? 'LINKEDIN' : 'EMAIL';
  const greeting = firstName?.trim() ? firstName : 'there';
  const subject = rng.pick(SUBJECTS);
  const before = state.senders && Object.hasOwn(state.senders, task.id) ? state.senders[task.id] : undefined;
  const held = before === undefined ? task.assignee_user_id : before;
  const sender = held ?? rng.pick(state.users.slice(0, FIRST_TEAM_SIZE)).id;
  const end = Date.parse(task.created_at);
  let at = end - count * rng.int(2, 30) * 3_600_000;
  const messages: Message[] = [];
  for (let i = 0; i < count; i++) {
    // The thread ends with the contact's reply that created the task.
    const inbound = (count - 1 - i) % 2 === 0;
    at = Math.min(at + rng.int(1, 48) * 3_600_000, end);
    const useCalendar = !inbound && channel === 'EMAIL' && rng.chance(0.08);
    const msgChannel = useCalendar ? 'CALENDAR' : channel;
    messages.push({
      id: rng.uuid(),
      channel: msgChannel,
      direction: inbound ? 'INBOUND' : 'OUTBOUND',
      subject: msgChannel === 'LINKEDIN' ? null : i === 0 ? subject : `Re: ${subject}`,
      body: (inbound ? rng.pick(INBOUND_LINES) : rng.pick(OUTBOUND_LINES)).replace('{name}', () => greeting),
      sent_at: isoSeconds(at - (count - i) * 1000),
      sender_id: inbound ? null : sender,
    });
  }
  return messages;
}
