import type { PlanFile } from '../domain/planfile.js';
import { taskOf } from '../domain/planfile.js';
import type { PreviewItem } from '../domain/outcome.js';
import type { Who } from '../domain/task.js';
import { plural, safeText } from '../basics/text.js';
import { relativeTime } from './format.js';
import { previewView } from './outcomes.js';
import type { Output } from './printer.js';

/** How a plan file reads: who made it, where, for what, whether it needs a second key; its tasks as a preview. */

const KIND_WORDS: Record<string, string> = {
  offboard: 'offboarding',
  cover: 'cover',
  reassign: 'tasks to one person',
  reassign_sequence: 'a sequence run to one person',
  rebalance: 'rebalance',
};

/** The plan's title line: `Plan (offboarding): move 12 open tasks from erin to bob, carla`. */
export function planTitle(plan: PlanFile, who: Who): string {
  const holders = [...new Set(plan.tasks.map((t) => t.before.assignee_user_id))];
  const targets = [...new Set(plan.tasks.map((t) => t.after.assignee_user_id))];
  const from = holders.length <= 3 ? holders.map((h) => who(h)).join(', ') : plural(holders.length, 'person');
  const to = targets.length <= 5 ? targets.map((t) => who(t)).join(', ') : plural(targets.length, 'person');
  return `Plan (${KIND_WORDS[plan.kind] ?? safeText(plan.kind)}): move ${plural(plan.tasks.length, 'open task')} from ${from} to ${to}`;
}

/** Who planned it and when, where it applies, whether it needs a second key (stderr, before the plan). */
export function planHeaderLines(plan: PlanFile, path: string, now: number, read: boolean): string[] {
  const by = plan.planned_by;
  return [
    `Plan file ${path} (${plan.digest.slice(0, 19)}…${read ? ', unchanged since it was written' : ''})`,
    `  planned by:  key '${safeText(by.key_name)}' (${by.key_id}) at ${by.at} (${relativeTime(by.at, now)})`,
    `  workspace:   ${safeText(plan.workspace.api_url)}, organization ${safeText(plan.workspace.organization_id)}`,
    plan.needs_approval
      ? '  approval:    needs a second key: the key that planned it cannot apply it'
      : '  approval:    any key of the workspace may apply it',
  ];
}

/** The plan's tasks on stdout, in the shape of every preview (the target is where each goes). */
export async function printPlanTasks(output: Output, plan: PlanFile, who: Who): Promise<void> {
  const items: PreviewItem[] = plan.tasks.map((t) => ({
    id: t.task_id,
    result: 'would_move',
    task: taskOf(t),
    error: null,
    target: t.after.assignee_user_id,
    why: `would move to ${who(t.after.assignee_user_id)}`,
  }));
  await output.list(items, previewView(who, output.chalk()));
}
