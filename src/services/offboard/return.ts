import type { Workspace } from '../../domain/job.js';
import { inWorkspace, Job } from '../jobs/store.js';

/** Covers whose --until date has passed: what `--return` gives back (each as an undo of its job). */

export interface DueReturns {
  /** Cover jobs of this workspace past their date and not given back yet, oldest first. */
  due: Job[];
  /** Cover jobs of this workspace given back already. */
  returned: number;
  /** Journals that could not be read (left out), in words. */
  problems: string[];
}

export function dueReturns(stateDir: string, workspace: Workspace, now: number): DueReturns {
  const problems: string[] = [];
  const covers = Job.all(stateDir, problems).filter((j) => inWorkspace(j, workspace) && j.header?.until);
  return {
    due: covers.filter((j) => Date.parse(j.header!.until!) <= now && !j.givenBack()),
    returned: covers.filter((j) => j.givenBack()).length,
    problems,
  };
}
