import type { Command } from 'commander';
import type { App } from '../../app.js';
import { helpDetails } from '../../help.js';
import { registerList } from './list.js';
import { registerNext } from './next.js';
import { registerWatch } from './watch.js';
import { registerReassign } from './reassign.js';
import { registerRebalance } from './rebalance.js';
import { registerShow } from './show.js';
import { registerThread } from './thread.js';
import { registerTransition } from './transition.js';

export function registerTasks(program: Command, app: App): void {
  const tasks = program
    .command('tasks')
    .summary('list, read and change tasks')
    .description(
      'Work with the tasks Topo assigns to people: calls, email and LinkedIn replies, new-lead reviews.',
    );
  helpDetails(tasks, {
    examples: [
      'topo tasks list -a me',
      'topo tasks show 1d808549-f48e-404c-b905-f780dd4ef1f3',
      'topo tasks thread 1d808549-f48e-404c-b905-f780dd4ef1f3',
      'topo tasks skip 8d52182c-ceee-4e6a-a23d-42061dae08b6',
      'topo tasks reassign --from alice --to bob --dry-run',
    ],
  });
  registerList(tasks, app);
  registerNext(tasks, app);
  registerWatch(tasks, app);
  registerShow(tasks, app);
  registerThread(tasks, app);
  registerTransition(tasks, app, async () => (await import('../../services/transition.js')).skipChange(), {
    verb: 'skip',
    summary: 'skip one or more open tasks',
    description:
      'Skips pending or in-progress tasks; the sequence moves on to its next step. Give task IDs, or - to read them from standard input.',
    examples: [
      'topo tasks skip 8d52182c-ceee-4e6a-a23d-42061dae08b6',
      'topo tasks skip 8d52182c-ceee-4e6a-a23d-42061dae08b6 3cb71cc5-4f41-46e2-ab23-4428a442960e --yes',
      "topo tasks list --all -p hot -t new_lead_review --template 'Closed-Lost Win-Back' | topo tasks skip - --yes",
      'topo tasks skip 8d52182c-ceee-4e6a-a23d-42061dae08b6 3cb71cc5-4f41-46e2-ab23-4428a442960e --dry-run',
    ],
  });
  registerTransition(tasks, app, async () => (await import('../../services/transition.js')).reopenChange(), {
    verb: 'reopen',
    summary: 'reopen completed or skipped tasks',
    description:
      'Puts completed or skipped tasks back to pending. Give task IDs, or - to read them from standard input.',
    examples: [
      'topo tasks reopen 07f9e091-4222-4df5-b8ff-7360b181c571',
      'topo tasks list -s skipped -a me --updated-after 1d | topo tasks reopen - --yes',
    ],
  });
  registerReassign(tasks, app);
  registerRebalance(tasks, app);
}
