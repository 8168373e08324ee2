// `npm test` after the build: the tests (vitest), and beside them the type checker, eslint and prettier at
// the lowest CPU priority, so that they use what the tests leave (the tests wait on sockets and child
// processes much of the time) and never slow the tests down. The tests' output streams as they run; each
// check's output is printed whole when it ends. The exit code says whether all passed.
import { spawn } from 'node:child_process';
import { constants, setPriority } from 'node:os';

const bin = (name) => new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname;
const checks = [
  ['typecheck', 'tsc', ['-p', 'tsconfig.check.json']],
  ['eslint', 'eslint', ['.']],
  ['prettier', 'prettier', ['--check', '.']],
];

const run = (command, args, stdio, background = false) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { stdio });
    if (background) {
      try {
        setPriority(child.pid, constants.priority.PRIORITY_LOW);
      } catch {
        // not allowed here: the check runs at the usual priority
      }
    }
    let output = '';
    child.stdout?.on('data', (d) => (output += d));
    child.stderr?.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ code, output }));
  });

const withTests = !process.argv.includes('--no-tests');
const [tests, ...results] = await Promise.all([
  withTests ? run(bin('vitest'), ['run'], 'inherit') : Promise.resolve({ code: 0 }),
  ...checks.map(([, command, args]) => run(bin(command), args, ['ignore', 'pipe', 'pipe'], withTests)),
]);
let failed = tests.code !== 0;
checks.forEach(([name], i) => {
  const { code, output } = results[i];
  process.stdout.write(`${code === 0 ? '✓' : '✗'} ${name}\n`);
  if (code !== 0) {
    failed = true;
    process.stdout.write(output);
  }
});
process.exit(failed ? 1 : 0);
