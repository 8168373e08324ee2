import type { Contact, SequenceRun, SequenceTemplate, Task } from '../api/types.js';
import { hashString, Random } from './random.js';
import { isoSeconds } from '../basics/time.js';
import type { SandboxState } from './seed.js';

/**
 * Sequence runs, their templates and contacts, derived from the seed and the ids alone so the state file
 * stores none of them: a run is every distinct task `sequence_id`, its template and contact are drawn from
 * its id, and what depends on its tasks (status, dates) is read from them.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Templates that hold runs; one more, archived, holds none. */
const TEMPLATE_COUNT = 4;

/** The workspace's sequence templates that hold runs: fixed per organization. */
export function sandboxTemplateIds(state: SandboxState): string[] {
  return Array.from({ length: TEMPLATE_COUNT }, (_, i) => templateIdAt(state, i));
}

/** Every template of the workspace: the four that hold runs, then one archived without runs. */
function templateIdAt(state: SandboxState, index: number): string {
  return `${state.organization_id.slice(0, 24)}${String(index + 1).padStart(12, '0')}`;
}

/** The template a run was started from, drawn from the run id. */
export function templateIdFor(state: SandboxState, sequenceId: string): string {
  let h = 0;
  for (let i = 0; i < sequenceId.length; i++) h = (h * 31 + sequenceId.charCodeAt(i)) >>> 0;
  return templateIdAt(state, h % TEMPLATE_COUNT);
}

/**
 * The moment the seeded data ends: templates are dated from it. Seeded states record it; for older state
 * files and states built by hand, the day after their newest task.
 */
export function workspaceAnchor(state: SandboxState): number {
  const recorded = state.seeded_at === undefined ? NaN : Date.parse(state.seeded_at);
  if (Number.isFinite(recorded)) return recorded;
  let newest = Number.NEGATIVE_INFINITY;
  for (const task of state.tasks) {
    const ms = Date.parse(task.created_at);
    if (ms > newest) newest = ms;
  }
  if (!Number.isFinite(newest)) return Date.parse('2026-01-01T00:00:00Z');
  return Math.floor(newest / DAY) * DAY + DAY;
}

interface TemplateSpec {
  name: string | null;
  summary: string | null;
  status: string;
  step_count: number;
  language: string | null;
  timezone: string;
  /** Days before the anchor. */
  created: number;
  activated: number | null;
  updated: number;
}

const TEMPLATES: readonly TemplateSpec[] = [
  {
    name: 'Mid-Market SaaS Outbound – VP Sales',
    summary:
      'Cold outbound to sales and RevOps leaders at SaaS companies of 200–1,000 people: three emails, two LinkedIn touches and two calls.',
    status: 'ACTIVE',
    step_count: 7,
    language: 'en',
    timezone: 'America/New_York',
    created: 160,
    activated: 157,
    updated: 12,
  },
  {
    name: 'Inbound Demo Request Follow-up',
    summary:
      'Follows up demo requests from the website: a call within the hour, then email and LinkedIn until a meeting is booked.',
    status: 'ACTIVE',
    step_count: 4,
    language: 'en',
    timezone: 'America/Los_Angeles',
    created: 220,
    activated: 219,
    updated: 30,
  },
  {
    name: 'Closed-Lost Win-Back',
    summary: 'Re-engages opportunities lost six to twelve months ago with what has shipped since.',
    status: 'FINISHING',
    step_count: 5,
    language: 'en',
    timezone: 'Europe/London',
    created: 300,
    activated: 293,
    updated: 5,
  },
  {
    name: 'Prospection Décideurs Retail – France',
    summary:
      'Séquence en français pour les directions commerciales du retail : e-mail, LinkedIn, puis appel.',
    status: 'ACTIVE',
    step_count: 6,
    language: 'fr',
    timezone: 'Europe/Paris',
    created: 130,
    activated: 128,
    updated: 20,
  },
  {
    name: 'Webinar Attendees – Pipeline Hygiene',
    summary: null,
    status: 'ARCHIVED',
    step_count: 3,
    language: null,
    timezone: 'America/Chicago',
    created: 420,
    activated: 418,
    updated: 330,
  },
];

/** The workspace's templates, every documented key present. */
export function seededTemplates(state: SandboxState, anchor: number): SequenceTemplate[] {
  // a working hour of the day, different from one date to the next
  const at = (days: number): string => isoSeconds(anchor - days * DAY + (540 + ((days * 37) % 480)) * 60_000);
  return TEMPLATES.map((spec, i) => ({
    id: templateIdAt(state, i),
    name: spec.name,
    summary: spec.summary,
    status: spec.status,
    step_count: spec.step_count,
    language: spec.language,
    timezone: spec.timezone,
    activated_at: spec.activated === null ? null : at(spec.activated),
    created_at: at(spec.created),
    updated_at: at(spec.updated),
  }));
}

/** What a run draws from the seed and its id alone. */
export interface RunSeed {
  contact_id: string | null;
  variables: Record<string, unknown> | null;
  source_contact_list_id: string | null;
  /** The run's status while none of its tasks is open. */
  settled: string;
  /** How long the run ran before its first task. */
  lead_ms: number;
}

const SETTLED_STATUSES: readonly (readonly [string, number])[] = [
  ['ACTIVE', 24],
  ['WAITING_FOR_LEAD', 24],
  ['COMPLETED', 20],
  ['SUCCEEDED', 12],
  ['STOPPED_EARLY', 10],
  ['FAILED', 4],
  ['REFUSED', 3],
  ['FOUND', 3],
];

const ICEBREAKERS = [
  'Congrats on the Series B!',
  'Saw your talk at SaaStr about ramping new SDRs.',
  'Noticed you are hiring three account executives.',
  'Loved your post on outbound in a down market.',
];

export function runSeed(state: SandboxState, runId: string): RunSeed {
  const rng = new Random(hashString(runId, (state.seed ^ 0x52554e) >>> 0));
  // about 3% of runs lost their contact: it was deleted after the run started
  const contact_id = rng.chance(0.03) ? null : rng.uuid();
  const variables = rng.chance(0.5)
    ? { icebreaker: rng.pick(ICEBREAKERS), meeting_link: `https://cal.example.com/team/${rng.int(100, 999)}` }
    : null;
  const lists = contactListIds(state);
  const source_contact_list_id = rng.chance(0.6) ? rng.pick(lists) : null;
  const settled = rng.weighted(SETTLED_STATUSES);
  const lead_ms = rng.int(1, 10 * 24) * HOUR;
  return { contact_id, variables, source_contact_list_id, settled, lead_ms };
}

const contactLists = new WeakMap<SandboxState, string[]>();

/** The workspace's three contact lists that runs are started from. */
function contactListIds(state: SandboxState): string[] {
  let lists = contactLists.get(state);
  if (!lists) {
    const rng = new Random((state.seed ^ 0x4c495354) >>> 0);
    lists = [rng.uuid(), rng.uuid(), rng.uuid()];
    contactLists.set(state, lists);
  }
  return lists;
}

const OPEN = new Set(['PENDING', 'IN_PROGRESS']);

/** When a run started and when its contact last engaged, read from its tasks. */
export interface RunTimes {
  created: number;
  lastSeen: number;
}

export function runTimes(seed: RunSeed, tasks: readonly Task[], anchor: number): RunTimes {
  let first: string | undefined;
  let last: string | undefined;
  for (const task of tasks) {
    const created = isoOf(task.created_at);
    if (created === undefined) continue;
    if (first === undefined || created < first) first = created;
    if (last === undefined || created > last) last = created;
  }
  if (first === undefined || last === undefined) return { created: anchor - seed.lead_ms, lastSeen: anchor };
  return { created: Date.parse(first) - seed.lead_ms, lastSeen: Date.parse(last) };
}

const ISO_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/**
 * A date-time field as ISO 8601 UTC to the second, so that dates compare as strings (fast at 100,000 tasks);
 * undefined when it is null or not a date.
 */
function isoOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (ISO_SECONDS.test(value)) return value;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : isoSeconds(ms);
}

function latest(a: string | undefined, b: unknown): string | undefined {
  const iso = isoOf(b);
  return iso === undefined || (a !== undefined && a >= iso) ? a : iso;
}

/**
 * A run as Topo shows it. A run with an open task waits for a user (the task blocks it); otherwise it has
 * its settled status. Its last step is its latest task event; it was updated when its latest task was.
 */
export function buildRun(
  state: SandboxState,
  runId: string,
  seed: RunSeed,
  tasks: readonly Task[],
  anchor: number,
): SequenceRun {
  const created = isoSeconds(runTimes(seed, tasks, anchor).created);
  let lastStep: string | undefined;
  let updated = created;
  for (const task of tasks) {
    lastStep = latest(latest(latest(lastStep, task.created_at), task.completed_at), task.skipped_at);
    updated = latest(updated, task.updated_at)!;
  }
  return {
    id: runId,
    organization_id: state.organization_id,
    contact_id: seed.contact_id,
    sequence_template_id: templateIdFor(state, runId),
    status: tasks.some((t) => OPEN.has(t.status)) ? 'WAITING_FOR_USER' : seed.settled,
    variables: seed.variables && { ...seed.variables },
    source_contact_list_id: seed.source_contact_list_id,
    last_step_executed_at: lastStep ?? null,
    created_at: created,
    updated_at: updated,
  };
}

const FIRST_NAMES = (
  'Ada Priya Jordan Lena Marco Hana Tomás Grace Chloé Zoë Søren Ayşe José Mei Olu Nadia Ethan Sofia Lukas ' +
  'Amara Rahul Ingrid Mateo Yuki Fatima Liam Camille Noah Elena Kwame Isabel Jonas Aisha Daniel Freya Hugo ' +
  'Leila Oscar Rosa Samir'
).split(' ');

const LAST_NAMES = (
  "Nguyen García Müller O'Brien Kowalski Haddad Johansson Rossi Tanaka Dubois Schmidt Silva Novak Fischer " +
  'Kim Brennan Lindqvist Moreau Costa Adeyemi Hoffmann Sato Bianchi Martínez Murphy Laurent Jensen Kaur ' +
  'Rahman Varga Petrov Cohen Ferreira Yilmaz Andersen Baker Chowdhury Lefèvre'
).split(' ');

const JOB_TITLES = [
  'VP of Sales',
  'Head of Sales Development',
  'Director of Revenue Operations',
  'Chief Revenue Officer',
  'Sales Operations Manager',
  'Head of Growth',
  'Founder & CEO',
  'Account Executive',
  'Business Development Manager',
  'Marketing Director',
  'Head of Partnerships',
  'Directrice commerciale',
];

const COMPANIES: readonly (readonly [string, string])[] = [
  ['Northwind Analytics', 'northwindanalytics.com'],
  ['Brightwater Logistics', 'brightwaterlogistics.com'],
  ['Helix Health', 'helixhealth.co'],
  ['Quarry Labs', 'quarrylabs.dev'],
  ['Orbital Payments', 'orbitalpay.io'],
  ['Fernhill Software', 'fernhill.io'],
  ['Lumen Retail Group', 'lumenretail.com'],
  ['Cobalt Security', 'cobaltsec.com'],
  ['Pine & Ridge Outfitters', 'pineandridge.co'],
  ['Atelier Nova', 'ateliernova.fr'],
  ['Kaskade Energie', 'kaskade-energie.de'],
  ['Solenne Cosmétiques', 'solenne-cosmetiques.fr'],
  ['Tidewater Freight', 'tidewaterfreight.com'],
  ['Greyfield Capital', 'greyfield.vc'],
  ['Mosaic HR', 'mosaichr.com'],
  ['Vantage Robotics', 'vantagerobotics.ai'],
  ['Blue Heron Foods', 'blueheronfoods.com'],
  ['Stratus Cloud', 'stratuscloud.io'],
  ['Meridian Travel', 'meridiantravel.co.uk'],
  ['Zephyr Mobility', 'zephyrmobility.nl'],
];

/** City, state or region, country, and the shape of a phone number there (E.164, `#` a digit). */
const PLACES: readonly (readonly [string, string | null, string, string])[] = [
  ['San Francisco', 'California', 'United States', '+1415555####'],
  ['New York', 'New York', 'United States', '+1212555####'],
  ['Austin', 'Texas', 'United States', '+1512555####'],
  ['Boston', 'Massachusetts', 'United States', '+1617555####'],
  ['Chicago', 'Illinois', 'United States', '+1312555####'],
  ['Denver', 'Colorado', 'United States', '+1303555####'],
  ['Toronto', 'Ontario', 'Canada', '+1416555####'],
  ['Montréal', 'Québec', 'Canada', '+1514555####'],
  ['London', 'England', 'United Kingdom', '+442079460###'],
  ['Manchester', 'England', 'United Kingdom', '+441614960###'],
  ['Dublin', null, 'Ireland', '+3531#######'],
  ['Paris', 'Île-de-France', 'France', '+331########'],
  ['Lyon', 'Auvergne-Rhône-Alpes', 'France', '+334########'],
  ['Berlin', 'Berlin', 'Germany', '+4930########'],
  ['München', 'Bayern', 'Germany', '+4989########'],
  ['Amsterdam', 'Noord-Holland', 'Netherlands', '+3120#######'],
  ['Barcelona', 'Cataluña', 'Spain', '+3493#######'],
  ['Stockholm', null, 'Sweden', '+468########'],
];

/** A contact as Topo shows it; `times` are its run's, so the contact first appears before the run starts. */
export function buildContact(state: SandboxState, contactId: string, times: RunTimes): Contact {
  const rng = new Random(hashString(contactId, (state.seed ^ 0x434f4e) >>> 0));
  const first = rng.chance(0.01) ? null : rng.pick(FIRST_NAMES);
  const last = rng.chance(0.02) ? null : rng.pick(LAST_NAMES);
  const company = rng.chance(0.04) ? null : rng.pick(COMPANIES);
  const place = rng.chance(0.05) ? null : rng.pick(PLACES);
  const slugFirst = ascii(first ?? 'contact');
  const slugLast = ascii(last ?? '');
  const local = rng.pick([
    `${slugFirst}.${slugLast}`,
    `${slugFirst}`,
    `${slugFirst.slice(0, 1)}${slugLast}`,
    `${slugFirst}_${slugLast}`,
  ]);
  const domain = company ? company[1] : rng.pick(['gmail.com', 'outlook.com', 'proton.me']);
  const email = rng.chance(0.02) ? null : `${local.replace(/^[._]|[._]$/g, '') || 'hello'}@${domain}`;
  const linkedin = rng.chance(0.1)
    ? null
    : `https://www.linkedin.com/in/${[slugFirst, slugLast].filter(Boolean).join('-')}-${contactId.slice(0, 6)}`;
  const phone = place && !rng.chance(0.25) ? place[3].replace(/#/g, () => String(rng.int(0, 9))) : null;
  const title = rng.chance(0.06) ? null : rng.pick(JOB_TITLES);
  const picture = rng.chance(0.35) ? null : `https://avatars.topo-sandbox.example/${contactId}.jpg`;
  const firstSeen = times.created - rng.int(1, 60) * DAY - rng.int(0, 23) * HOUR;
  return {
    id: contactId,
    email,
    first_name: first,
    last_name: last,
    job_title: title,
    linkedin_url: linkedin,
    phone_number: phone,
    city: place ? place[0] : null,
    state: place ? place[1] : null,
    country: place ? place[2] : null,
    profile_picture_url: picture,
    company_name: company ? company[0] : null,
    company_domain: company ? company[1] : null,
    first_seen_at: isoSeconds(firstSeen),
    last_seen_at: isoSeconds(Math.max(firstSeen, times.lastSeen)),
  };
}

const asciiNames = new Map<string, string>();

/** Lower-case ASCII for emails and profile slugs: accents dropped, other letters spelled out. */
function ascii(name: string): string {
  let text = asciiNames.get(name);
  if (text === undefined) {
    text = spellAscii(name);
    asciiNames.set(name, text);
  }
  return text;
}

function spellAscii(name: string): string {
  return name
    .replace(/\u00f8/gi, 'o') // ø
    .replace(/\u00e6/gi, 'ae') // æ
    .replace(/\u00df/g, 'ss') // ß
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}
