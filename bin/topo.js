#!/usr/bin/env node
import { main } from '../dist/cli.js';

process.stdout.on('error', (error) => {
  // A closed pipe (`topo tasks list --all | head -3`) is a normal end, not a failure.
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const code = await main(
  process.argv.slice(2),
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
process.exitCode = code;
