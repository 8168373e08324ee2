import type { Command } from 'commander';
import type { App } from '../../app.js';

export function registerTasks(program: Command, app: App): void {
  const tasks = program
    .command('tasks')
    .summary('list, read and change tasks')
    .description('Work with the tasks Topo assigns to people.');
  void app;
  void tasks;
}
