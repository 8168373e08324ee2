import type { ChalkInstance } from 'chalk';
import { relativeTime } from './format.js';
import type { ListView } from './printer.js';
import type { Who } from './tasks.js';

/** `tasks reassign --jobs`: every offboarding job, what it moved, what is left, where it stands. */

export interface JobRow {
  id: string;
  created: string;
  from: string;
  to: string[];
  moved: number;
  /** Not moved in the last run (failed or not started); null when that run never ended. */
  left: number | null;
  /** Moved back by an undo or a return. */
  back: number;
  until: string | null;
  state: string;
  journal: string;
}

export function jobsView(who: Who, c: ChalkInstance): ListView<JobRow> {
  const now = Date.now();
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
        { header: 'TO', cell: (r) => r.to.map((id) => who(id)).join(', ') },
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
      fit: [
        { column: 'TO', shrink: 12 },
        { column: 'FROM', shrink: 10 },
        { column: 'BACK', drop: true },
        { column: 'UNTIL', drop: true },
      ],
    },
    json: (r) => r,
  };
}
