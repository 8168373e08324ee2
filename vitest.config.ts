import { readFileSync } from 'node:fs';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/**
 * The README's examples and the help's run as chains of real processes, one command after another, side by
 * side in one worker that mostly waits on them: the longest file by far. It starts first; the other files
 * share the other workers.
 */
const CHAINS = ['test/e2e/examples.test.ts'];

class ChainsFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = CHAINS.findIndex((chain) => f.moduleId.endsWith(chain));
      return i < 0 ? CHAINS.length : i;
    };
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  define: { __TOPO_VERSION__: JSON.stringify(pkg.version) },
  test: {
    include: ['test/**/*.test.ts'],
    // After each test, what it started is closed and what it made is removed (test/helpers.ts).
    setupFiles: ['test/setup.ts'],
    // Guards against a hang, not measures of speed: far above what any test takes on a busy machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    sequence: { sequencer: ChainsFirst },
    // Threads start faster and cost less than processes; what needs a process of its own (signals, the
    // umask, exit codes) spawns the real binary.
    pool: 'threads',
    // The suite waits on sockets, timers and child processes more than it computes, and one worker holds the
    // chains of processes above: more files at once than cores (the default is one fewer than the cores).
    maxWorkers: 3,
    // Test files of a worker share the loaded modules (each runs topo through main() with its own IO, clock
    // and settings): the CLI is loaded once per worker, not once per file.
    isolate: false,
    reporters: ['default', 'json'],
    outputFile: { json: '.test-results.json' },
  },
});
