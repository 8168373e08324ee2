// `npm test` after the build: the tests (vitest), and beside them the type checker at the lowest CPU
// priority, so that they use what the tests leave (the tests wait on sockets and child
// processes much of the time) and never slow the tests down; once the tests end, the checks still running get
// the usual priority back (where the system allows it). The tests' output streams as they run; each check's
// output is printed whole when it ends. The exit code says whether all passed. eslint and prettier are
// `npm run lint` (CI runs it too): style is not behaviour, and the suite keeps to its minute.
import { spawn } from 'node:child_process';
import { constants, setPriority } from 'node:os';

const background = new Set();
const prioritize = (pid, priority) => {
  try {
    setPriority(pid, priority);
  } catch {
    // not allowed here (raising a priority needs privileges): it stays as it is
  }
};

const bin = (name) => new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname;
const checks = [['typecheck', 'tsc', ['-p', 'tsconfig.check.json']]];

const run = (command, args, stdio, low = false) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { stdio });
    if (low) {
      background.add(child.pid);
      prioritize(child.pid, constants.priority.PRIORITY_LOW);
    }
    let output = '';
    child.stdout?.on('data', (d) => (output += d));
    child.stderr?.on('data', (d) => (output += d));
    child.on('close', (code) => {
      background.delete(child.pid);
      resolve({ code, output });
    });
  });

const withTests = !process.argv.includes('--no-tests');
const testsDone = withTests
  ? run(bin('vitest'), ['run'], 'inherit').then((result) => {
      for (const pid of background) prioritize(pid, constants.priority.PRIORITY_NORMAL);
      return result;
    })
  : Promise.resolve({ code: 0 });
const [tests, ...results] = await Promise.all([
  testsDone,
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
