import type { Command } from 'commander';
import { BULK_CONCURRENCY } from './choices.js';

/** The flags of every bulk move that can be written as a plan file (`tasks reassign`, `tasks rebalance`). */
export function addPlanFlags(cmd: Command): void {
  cmd
    .option(
      '--plan-out <file>',
      "write the plan to a file and move nothing; 'topo plan apply <file>' runs it (see topo help automation)",
    )
    .option('--needs-approval', 'with --plan-out: the plan must be applied with another key than this one')
    .option(
      '--concurrency <n>',
      `most calls at once (at most ${BULK_CONCURRENCY.max}); fewer while the API limits the rate`,
      String(BULK_CONCURRENCY.default),
    );
}
