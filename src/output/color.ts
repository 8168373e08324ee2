import { Chalk, type ChalkInstance } from 'chalk';

/** One chalk instance per stream, from the run's own colour decision (chalk ignores NO_COLOR). */
export function makeChalk(enabled: boolean): ChalkInstance {
  return new Chalk({ level: enabled ? 1 : 0 });
}
