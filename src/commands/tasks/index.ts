import type { Command } from 'commander';
import type { App } from '../../app.js';
import { registerList } from './list.js';
import { registerShow } from './show.js';
import { registerThread } from './thread.js';

export function registerTasks(program: Command, app: App): void {
  const tasks = program
    .command('tasks')
    .summary('list, read and change tasks')
    .description(
      'Work with the tasks Topo assigns to people: calls, email and LinkedIn replies, new-lead reviews.',
    );
  registerList(tasks, app);
  registerShow(tasks, app);
  registerThread(tasks, app);
}
