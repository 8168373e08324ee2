import type { ChalkInstance } from 'chalk';
import type { JobRow } from '../domain/job.js';
import { relativeTime } from './format.js';
import type { ListView } from './printer.js';
import type { FitStep } from './table.js';
import type { Who } from '../domain/task.js';

/** `tasks reassign --jobs`: every offboarding job, what it moved, what is left, where it stands. */

/**
 * How the table narrows: the names give way first (they are cut in the middle), then when each job started,
 * then the cover's end date; the id, the counts and the state stay.
 */
const JOBS_FIT: readonly FitStep[] = [
  { column: 'TO', shrink: 12 },
  { column: 'FROM', shrink: 10 },
  { column: 'TO', shrink: 8 },
  { column: 'FROM', shrink: 8 },
  { column: 'STARTED', drop: true },
  { column: 'TO', shrink: 6 },
  { column: 'FROM', shrink: 6 },
  { column: 'UNTIL', drop: true },
  { column: 'BACK', drop: true },
];

export function jobsView(who: Who, c: ChalkInstance, now: number): ListView<JobRow> {
  return {
    fields: [
      { name: 'id', value: (r) => r.id },
      { name: 'created', value: (r) => r.created },
      { name: 'from', value: (r) => r.from },
      { name: 'to', value: (r) => r.to.join(',') },
      { name: 'moved', value: (r) => r.moved },
      { name: 'left', value: (r) => r.left },
      { name: 'back', value: (r) => r.back },
      { name: 'until', value: (r) => r.until },
      { name: 'state', value: (r) => r.state },
    ],
    table: {
      columns: [
        { header: 'JOB', cell: (r) => r.id },
        { header: 'STARTED', cell: (r) => relativeTime(r.created, now), style: (_r, s) => c.dim(s) },
        { header: 'FROM', cell: (r) => who(r.from), cut: 'person' },
        { header: 'TO', cell: (r) => r.to.map((id) => who(id)).join(', '), cut: 'person' },
        { header: 'MOVED', cell: (r) => String(r.moved) },
        { header: 'LEFT', cell: (r) => (r.left === null ? '?' : String(r.left)) },
        { header: 'BACK', cell: (r) => String(r.back) },
        { header: 'UNTIL', cell: (r) => r.until?.slice(0, 10) ?? '' },
        {
          header: 'STATE',
          cell: (r) => r.state,
          style: (r, s) => (r.state === 'done' ? c.green(s) : r.state === 'due for return' ? c.yellow(s) : s),
        },
      ],
      fit: JOBS_FIT,
    },
    json: (r) => r,
  };
}
