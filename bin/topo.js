#!/usr/bin/env node
// The entry point: only this file ends the process. `--version` and help answer without loading the CLI.
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const args = process.argv.slice(2);

process.stdout.on('error', (error) => {
  // A closed pipe (`topo tasks list --all | head -3`, `topo complete -- … | head`) is a normal end, not a failure.
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

/** Inside the single executable (`npm run package`), the package's files are its embedded assets. */
const sea = (() => {
  try {
    const embedded = require('node:sea');
    return embedded.isSea() ? embedded : undefined;
  } catch {
    return undefined;
  }
})();

// A checkout not built yet (`git clone` without `npm ci`): said in one line, not as a stack trace.
if (!sea && !require('node:fs').existsSync(join(__dirname, '..', 'dist', 'cli.cjs'))) {
  process.stderr.write(
    `error: topo is not built in ${join(__dirname, '..')}: run 'npm ci' there first (it builds dist/)\n`,
  );
  process.exit(1);
}

/**
 * A bundle of the build (dist/cli.cjs, dist/complete.cjs), compiled from its code cache (bin/load.cjs). Inside
 * the single executable, the sources it was built from are bundled with this file (scripts/package.mjs).
 */
function bundle(name) {
  if (sea) return name === 'cli' ? require('../dist/cli.cjs') : require('../dist/complete.cjs');
  return require('./load.cjs').load(name).exports;
}

/** A file of the package, by its path in the package ('dist/help.json'). */
function packageFile(path) {
  return sea ? sea.getAsset(path, 'utf8') : readFileSync(join(__dirname, '..', path), 'utf8');
}

/** The size (both halves) at which V8's young generation stops growing, for a long command (see below). */
const HOLD_YOUNG_GENERATION_AT = 16 * 1024 * 1024;
/** Then, how far past what its last full collection kept V8 lets the old generation grow: 100% (twofold). */
const OLD_GENERATION_GROWTH_PERCENT = 100;

/**
 * Stops the young generation's growth once it is HOLD_YOUNG_GENERATION_AT, checked after each collection, and
 * from then on lets the old generation grow by OLD_GENERATION_GROWTH_PERCENT at most between full collections.
 */
function holdYoungGeneration(v8) {
  const held = () => {
    const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    if (!young || young.space_size < HOLD_YOUNG_GENERATION_AT) return false;
    v8.setFlagsFromString('--semi-space-growth-factor=1');
    v8.setFlagsFromString(`--heap-growing-percent=${OLD_GENERATION_GROWTH_PERCENT}`);
    return true;
  };
  if (held()) return;
  const { PerformanceObserver } = require('node:perf_hooks');
  const observer = new PerformanceObserver(() => held() && observer.disconnect());
  observer.observe({ entryTypes: ['gc'] });
}

/** The command path of a help request (`tasks list --help`, `help tasks list`, bare `topo`), else undefined. */
function helpKey() {
  if (args.length === 0) return '';
  if (args[0] === 'help')
    return args.length === 1
      ? '--help'
      : `${args.length === 2 && !args[1].startsWith('-') ? 'help ' : ''}${args.slice(1).join(' ')}`;
  const last = args[args.length - 1];
  if (last !== '--help' && last !== '-h') return undefined;
  const path = args.slice(0, -1);
  if (path.some((a) => a.startsWith('-'))) return undefined;
  return path.length === 0 ? '--help' : path.join(' ');
}

function cachedHelp() {
  const key = helpKey();
  // Rendered at 80 columns: good for pipes and terminals at least that wide.
  if (key === undefined || (process.stdout.isTTY && (process.stdout.columns || 80) < 80)) return undefined;
  try {
    const cache = JSON.parse(packageFile('dist/help.json'));
    return cache[key] ?? (key.startsWith('help ') ? cache[key.slice(5)] : undefined);
  } catch {
    return undefined;
  }
}

/** The committed completion script for `topo completion <shell>` (kept current by a test). */
function completionScript() {
  const files = { bash: 'topo.bash', zsh: '_topo', fish: 'topo.fish' };
  if (args.length !== 2 || args[0] !== 'completion' || !files[args[1]]) return undefined;
  try {
    return packageFile(`completions/${files[args[1]]}`);
  } catch {
    return undefined;
  }
}

/** A shell's completion request (`topo complete -- …`), answered from dist/completion.json. */
function completionRequest() {
  if (args[0] !== 'complete' || args[1] !== '--' || args.includes('--help') || args.includes('-h'))
    return false;
  Promise.resolve()
    .then(() => bundle('complete'))
    .then(({ complete }) =>
      complete(
        JSON.parse(packageFile('dist/completion.json')),
        { stdout: process.stdout },
        process.env,
        args.slice(2),
      ),
    )
    // A shell's Tab press gets no error text: nothing to offer, and a failing exit code.
    .catch(() => (process.exitCode = 1));
  return true;
}

let fast;
if (completionRequest()) {
  fast = '';
} else if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  fast = `${JSON.parse(packageFile('package.json')).version}\n`;
} else {
  fast = cachedHelp() ?? completionScript();
}
if (fast !== undefined) {
  process.stdout.write(fast);
} else {
  // Ctrl-C and SIGTERM end quietly with 130 and 143, unless a command asked to handle the next one itself
  // (a bulk job lets its calls in flight finish first); a second one always ends the process.
  const handlers = new Set();
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ]) {
    const listener = () => {
      if (handlers.size === 0) process.exit(code);
      const pending = [...handlers];
      handlers.clear();
      for (const handler of pending) handler(signal);
    };
    process.on(signal, listener);
  }
  const interrupts = {
    add(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
  };
  // undici parses HTTP with WebAssembly; V8 would also optimise that code in the background and hold the
  // process at exit to finish it, which a short command never profits from: baseline-compiled code only. Set
  // as undici compiles its parser (scripts/bundling.mjs), not at start: a change of V8's flags makes V8 reject
  // every code cache made without it (Node's for its own modules, ours for the bundle), so that whatever loads
  // after it is compiled from source.
  // A command still running a moment later (a walk of every page) then bounds V8's heap. Its young generation
  // stops growing at 16 MiB: a walk allocates fast and keeps little (the pages in flight), and V8 would grow
  // it to 32 MiB for that rate; held smaller, each young collection costs about as much while there are more
  // of them (8 MiB: up to 15% more CPU for CSV; its first size, 1 MiB: 30%). From then on the old generation
  // grows twofold at most between full collections: V8 lets it grow up to fourfold for a fast allocator, and
  // what a walk promotes is nearly all garbage by then. The peak stays near 90 MiB at 300,000 and 500,000
  // tasks (about 120 MiB with neither bound) for no measurable CPU (bench/results.md).
  globalThis[Symbol.for('topo.beforeWasm')] = () => {
    const v8 = require('node:v8');
    v8.setFlagsFromString('--liftoff-only');
    setTimeout(() => holdYoungGeneration(v8), 50).unref();
  };
  Promise.resolve().then(async () => {
    const { main } = bundle('cli');
    process.exitCode = await main(
      args,
      {
        // Made when a command reads it: process.stdin on a pipe or a file loads Node's file streams.
        get stdin() {
          return process.stdin;
        },
        stdout: process.stdout,
        stderr: process.stderr,
        stdinIsTTY: require('node:tty').isatty(0),
        stdoutIsTTY: Boolean(process.stdout.isTTY),
        stderrIsTTY: Boolean(process.stderr.isTTY),
        // Piped or redirected, stdout has no width: what goes to a terminal then is stderr (plans, notes).
        columns: process.stdout.columns || process.stderr.columns || Number(process.env.COLUMNS) || 80,
        // The controlling terminal, for a question when stdin is a pipe (IDs piped in); the process ends
        // once the command is done (below), which closes it.
        openTerminal() {
          try {
            const fd = require('node:fs').openSync('/dev/tty', 'r');
            const tty = require('node:tty');
            if (tty.isatty(fd)) return new tty.ReadStream(fd);
            require('node:fs').closeSync(fd);
          } catch {
            // no controlling terminal
          }
          return undefined;
        },
      },
      process.env,
      { interrupts },
    );
    // The command is done (main() settles only when all it started has ended): the process ends as soon as
    // what it wrote has reached the system. Left to end by itself, Node would first run V8's pending
    // collections and tear its heap down: about 3% of a one-page command's CPU (bench/results.md).
    await Promise.all([process.stdout, process.stderr].map((s) => new Promise((done) => s.write('', done))));
    process.exit();
  });
}
