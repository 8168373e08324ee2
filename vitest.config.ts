import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export default defineConfig({
  define: { __TOPO_VERSION__: JSON.stringify(pkg.version) },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Threads start faster and cost less than processes; what needs a process of its own (signals, the
    // umask, exit codes) spawns the real binary.
    pool: 'threads',
    // The suite waits on sockets, timers and child processes more than it computes: more files at once
    // than cores (the default is one fewer than the cores, a single worker on a 2-core machine).
    maxWorkers: 4,
    // Test files of a worker share the loaded modules (each runs topo through main() with its own IO, clock
    // and settings): the CLI is loaded once per worker, not once per file.
    isolate: false,
    reporters: ['default', 'json'],
    outputFile: { json: '.test-results.json' },
  },
});
