// Builds dist/: what bin/topo.js runs, made for a fast start (README "Performance"):
// - dist/cli.cjs and dist/complete.cjs: our code and the packages it uses bundled into one CommonJS script
//   each (one file to read, no module resolution, no ES module loader), with the parts of undici it uses and
//   nothing that a plain HTTP/1 request does not need (scripts/bundling.mjs);
// - dist/<name>.cjs.cache: V8's code cache of each, made by running a few commands (scripts/code-cache.mjs),
//   which bin/load.cjs compiles the script from;
// - dist/help.json and dist/completion.json: help and the commands' description for completion, which
//   `--help` and a Tab press answer from without loading the CLI;
// - dist/sandbox/*.js: the sandbox as ES modules, for the benchmarks and scripts that start one.
// Type checking is `npm run typecheck`.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { BUNDLE_OPTIONS, createRequireCalls, lateRequire, lighterStart } from './bundling.mjs';
import { bundles, modules } from './entries.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const define = { __TOPO_VERSION__: JSON.stringify(pkg.version) };
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

// Left in node_modules, loaded by require() when a command uses them: the OS keychain's native addon, large
// CommonJS packages that only the editor prompt (iconv-lite, chardet) reaches, and packages our code imports
// only where it uses them (`--query`, a progress bar, a lock while the config or a job is written). Every
// byte of the bundle is read, and its code cache deserialised, at each start (bench/results.md); these load,
// when used, as any package does. The single executable bundles them all (scripts/package.mjs).
const external = [
  '@napi-rs/keyring',
  'iconv-lite',
  'chardet',
  '@jmespath-community/jmespath',
  'cli-progress',
  'proper-lockfile',
  // undici's parser built without SIMD, compiled only where the other cannot be (scripts/bundling.mjs).
  'undici/lib/llhttp/llhttp-wasm.js',
];
const isExternal = (path) => external.some((name) => path === name || path.startsWith(`${name}/`));

const result = await build({
  absWorkingDir: ROOT,
  entryPoints: bundles,
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  ...BUNDLE_OPTIONS,
  external,
  plugins: [lateRequire(isExternal), createRequireCalls(ROOT), lighterStart()],
  define,
  metafile: true,
  // Code that cannot work in a CommonJS script is an error, not a warning.
  logOverride: { 'empty-import-meta': 'error', 'unsupported-require-call': 'error' },
  logLevel: 'warning',
});
for (const [out, { imports }] of Object.entries(result.metafile.outputs)) {
  const left = imports.filter(
    (i) =>
      i.kind === 'dynamic-import' ||
      (i.external && !i.path.startsWith('node:') && !builtinModules.includes(i.path) && !isExternal(i.path)),
  );
  if (left.length > 0)
    throw new Error(`${out} still imports ${left.map((i) => i.path).join(', ')} at run time`);
}
// Each bundle is written inside the function CommonJS wraps a module in, which bin/load.cjs compiles as it
// stands: a wrapper added as it loads would make V8 copy the whole text into one string first (about 4 ms at
// every start). Required as a module, the file calls that function itself. The last line names the build: a
// code cache made for other code is never used (bin/load.cjs).
const WRAPPED = [
  '((body) => (typeof module === "object" && this === module.exports ? body(exports, require, module, __filename, __dirname) : body))(function (exports, require, module, __filename, __dirname) {',
  '\n});\n',
];
for (const name of Object.keys(bundles)) {
  const file = new URL(`../dist/${name}.cjs`, import.meta.url);
  const text = WRAPPED[0] + readFileSync(file, 'latin1') + WRAPPED[1];
  // bin/load.cjs reads the bundle as Latin-1: one byte, one character. esbuild escapes what is not ASCII in
  // strings, not in a regular expression's literal text (write such a character as \u00f8 in the source).
  const wide = /[^\0-\x7f]/.exec(text);
  if (wide)
    throw new Error(
      `dist/${name}.cjs: a byte that is not ASCII at ${wide.index}: ${JSON.stringify(text.slice(wide.index - 40, wide.index + 10))}`,
    );
  const hash = createHash('sha256').update(text, 'latin1').digest('hex').slice(0, 32);
  writeFileSync(file, `${text}// build ${hash}\n`, 'latin1');
}

await build({
  absWorkingDir: ROOT,
  entryPoints: modules,
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: Object.keys(pkg.dependencies),
  banner: {
    js: "import { createRequire as __topoRequire } from 'node:module'; const require = __topoRequire(import.meta.url);",
  },
  chunkNames: 'chunks/[name]-[hash]',
  define,
  logLevel: 'warning',
});

const { renderHelpCache, renderCompletionSpec } = createRequire(import.meta.url)('../dist/cli.cjs');
writeFileSync(new URL('../dist/help.json', import.meta.url), JSON.stringify(await renderHelpCache()));
writeFileSync(
  new URL('../dist/completion.json', import.meta.url),
  JSON.stringify(await renderCompletionSpec()),
);

// In a Node process of its own, with no V8 flag set: the caches are made as bin/topo.js will load them.
execFileSync(process.execPath, [fileURLToPath(new URL('code-cache.mjs', import.meta.url))], {
  stdio: 'inherit',
});
