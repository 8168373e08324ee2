// Writes completions/ from the completion library (not from the committed files the binary prints).
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';

const { main } = createRequire(import.meta.url)('../dist/cli.cjs');

const files = { bash: 'topo.bash', zsh: '_topo', fish: 'topo.fish' };
for (const [shell, file] of Object.entries(files)) {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (d) => (text += d));
  const io = {
    stdin: process.stdin,
    stdout,
    stderr: process.stderr,
    stdinIsTTY: false,
    stdoutIsTTY: false,
    stderrIsTTY: false,
    columns: 80,
  };
  const code = await main(['completion', shell], io, {});
  if (code !== 0) process.exit(code);
  writeFileSync(new URL(`../completions/${file}`, import.meta.url), text);
}
