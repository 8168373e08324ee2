#!/usr/bin/env node
// The entry point: only this file ends the process. `--version` answers without loading anything else.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${pkg.version}\n`);
} else {
  process.stdout.on('error', (error) => {
    // A closed pipe (`topo tasks list --all | head -3`) is a normal end, not a failure.
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const { main } = await import('../dist/cli.js');
  process.exitCode = await main(
    args,
    {
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      stdinIsTTY: Boolean(process.stdin.isTTY),
      stdoutIsTTY: Boolean(process.stdout.isTTY),
      stderrIsTTY: Boolean(process.stderr.isTTY),
      columns: process.stdout.columns || Number(process.env.COLUMNS) || 80,
    },
    process.env,
  );
}
