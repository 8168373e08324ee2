// `npm test`'s static checks, side by side: the type checker, eslint and prettier. Each one's output is
// printed whole when it ends; the exit code says whether all passed.
import { spawn } from 'node:child_process';

const checks = [
  ['typecheck', 'tsc', ['-p', 'tsconfig.check.json']],
  ['eslint', 'eslint', ['.']],
  ['prettier', 'prettier', ['--check', '.']],
];

const results = await Promise.all(
  checks.map(
    ([name, bin, args]) =>
      new Promise((resolve) => {
        const child = spawn(new URL(`../node_modules/.bin/${bin}`, import.meta.url).pathname, args, {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout.on('data', (d) => (output += d));
        child.stderr.on('data', (d) => (output += d));
        child.on('close', (code) => resolve({ name, code, output }));
      }),
  ),
);
let failed = false;
for (const { name, code, output } of results) {
  process.stdout.write(`${code === 0 ? '✓' : '✗'} ${name}\n`);
  if (code !== 0) {
    failed = true;
    process.stdout.write(output);
  }
}
process.exit(failed ? 1 : 0);
