// `npm run package`: topo as one executable file for this machine, which runs without Node.js (a Node single
// executable application). bin/topo.js and everything it loads are bundled into one CommonJS script; the
// package's data files (its `files` other than code and documents) are embedded as assets, which bin/topo.js
// reads when it runs inside the executable; the OS keychain's native addon is embedded too. The blob is
// injected into a copy of the running `node`. Writes release/topo-<os>-<arch>[.exe] and a .sha256 beside it;
// release/.build/ keeps the bundle and what it was built from (the smoke test checks it is current).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequireCalls, lateRequire, lighterStart } from './bundling.mjs';
import { bundles } from './entries.mjs';

const started = performance.now();
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(join(ROOT, 'package.json'));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const RELEASE = join(ROOT, 'release');
const WORK = join(RELEASE, '.build');
const OS = { darwin: 'macos', win32: 'windows' }[process.platform] ?? process.platform;
const NAME = `topo-${OS}-${process.arch}${process.platform === 'win32' ? '.exe' : ''}`;
const EXE = join(RELEASE, NAME);
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const rel = (path) => relative(ROOT, path).split(sep).join('/');

rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });

/** The package's files as npm would pack them ("files" in package.json), as paths inside the package. */
function packageFiles() {
  const walk = (path) =>
    statSync(path).isDirectory() ? readdirSync(path).flatMap((name) => walk(join(path, name))) : [path];
  return ['package.json', ...pkg.files].flatMap((entry) => walk(join(ROOT, entry))).map(rel);
}

// What bin/topo.js reads at run time: every file of the package but the code (bundled), the documents, and
// the code caches of dist/'s bundles (made for those scripts, not for the executable's, and made anew, with
// other bytes, by every build).
const assets = Object.fromEntries(
  packageFiles()
    .filter((path) => !/\.(c|m)?js$|\.md$|\.cache$/.test(path))
    .map((path) => [path, join(ROOT, path)]),
);

// The keychain's native addon for this machine: the file @napi-rs/keyring loads here.
let addon;
try {
  require('@napi-rs/keyring');
  addon = Object.keys(require.cache).find((file) => file.endsWith('.node'));
} catch (error) {
  process.stderr.write(`warning: ${error.message.split('\n')[0]}\n`);
}
if (addon) assets['keyring.node'] = addon;
else
  process.stderr.write(
    'warning: no OS keychain module loads here: the executable keeps keys in the config file\n',
  );

/**
 * Inside the executable, `require` loads only Node's own modules: the keychain's addon is written to a
 * private temporary folder and loaded from there (a loaded library outlives its file, except on Windows,
 * where one copy per version stays in the user's own temporary folder). Any failure leaves `topo` with the
 * config file, as when the keychain is missing.
 */
const KEYRING_LOADER = `
const { getAsset } = require('node:sea');
const fs = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
function load(file) {
  const m = { exports: {} };
  process.dlopen(m, file);
  return m.exports;
}
const bytes = new Uint8Array(getAsset('keyring.node'));
if (process.platform === 'win32') {
  const sum = require('node:crypto').createHash('sha256').update(bytes).digest('hex');
  const file = join(tmpdir(), 'topo-keyring-' + sum.slice(0, 16) + '.node');
  let current = false;
  try {
    current = require('node:crypto').createHash('sha256').update(fs.readFileSync(file)).digest('hex') === sum;
  } catch {}
  if (current) module.exports = load(file);
  else {
    const part = file + '.' + process.pid;
    fs.writeFileSync(part, bytes);
    try {
      fs.renameSync(part, file);
      module.exports = load(file);
    } catch {
      module.exports = load(part);
    }
  }
} else {
  const dir = fs.mkdtempSync(join(tmpdir(), 'topo-'));
  try {
    const file = join(dir, 'keyring.node');
    fs.writeFileSync(file, bytes, { mode: 0o700 });
    module.exports = load(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
`;

const plugins = [
  lateRequire(),
  {
    // bin/topo.js requires the build's bundles (dist/cli.cjs …): bundle the sources they are built from.
    name: 'dist-to-source',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\/.*\.c?js$/ }, (args) => {
        const target = resolve(args.resolveDir, args.path);
        const name = rel(target)
          .replace(/^dist\//, '')
          .replace(/\.c?js$/, '');
        if (!rel(target).startsWith('dist/')) return undefined;
        if (!bundles[name]) throw new Error(`${rel(target)} is not a bundle of the build`);
        return { path: join(ROOT, bundles[name]) };
      });
    },
  },
  {
    name: 'keyring-addon',
    setup(b) {
      b.onResolve({ filter: /^@napi-rs\/keyring$/ }, () => ({ path: 'keyring', namespace: 'native' }));
      b.onLoad({ filter: /.*/, namespace: 'native' }, () => ({
        contents: addon ? KEYRING_LOADER : `throw new Error('no OS keychain module in this build');`,
        loader: 'js',
      }));
    },
  },
  createRequireCalls(ROOT),
  lighterStart(),
];

const bundle = join(WORK, 'topo.cjs');
const result = await build({
  absWorkingDir: ROOT,
  entryPoints: [join(ROOT, pkg.bin.topo)],
  outfile: bundle,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  define: { __TOPO_VERSION__: JSON.stringify(pkg.version) },
  plugins,
  metafile: true,
  // Code that cannot work inside one file is an error, not a warning.
  logOverride: { 'empty-import-meta': 'error', 'unsupported-require-call': 'error' },
  logLevel: 'warning',
});
// Inside the executable, require() loads only Node's own modules and there is no import(): all else is in.
for (const [out, { imports }] of Object.entries(result.metafile.outputs)) {
  const left = imports.filter(
    (i) => i.external && !i.path.startsWith('node:') && !builtinModules.includes(i.path),
  );
  const dynamic = imports.filter((i) => i.kind === 'dynamic-import');
  if (left.length + dynamic.length > 0)
    throw new Error(`${out} still loads ${[...left, ...dynamic].map((i) => i.path).join(', ')} at run time`);
}
// The entry's `#!` line: the executable runs the script as a CommonJS module, where it is not allowed.
writeFileSync(bundle, readFileSync(bundle, 'utf8').replace(/^#!.*\n/, ''));

const config = join(WORK, 'sea-config.json');
const blob = join(WORK, 'sea-prep.blob');
writeFileSync(
  config,
  JSON.stringify({
    main: bundle,
    output: blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
    assets,
  }),
);
execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'pipe' });

rmSync(EXE, { force: true });
copyFileSync(process.execPath, EXE);
chmodSync(EXE, 0o755);
if (process.platform === 'darwin') execFileSync('codesign', ['--remove-signature', EXE]);
const { inject } = require('postject');
// postject reports each step, and warns that an ELF note has no name (harmless): its output is left out.
const { log, warn } = console;
console.log = console.warn = () => {};
try {
  await inject(EXE, 'NODE_SEA_BLOB', readFileSync(blob), {
    sentinelFuse: FUSE,
    ...(process.platform === 'darwin' && { machoSegmentName: 'NODE_SEA' }),
  });
} finally {
  Object.assign(console, { log, warn });
}
// macOS runs only signed code on Apple silicon: sign it again, ad hoc (a release can sign with its identity).
if (process.platform === 'darwin') execFileSync('codesign', ['--sign', '-', EXE]);

const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');
const sum = sha256(EXE);
writeFileSync(`${EXE}.sha256`, `${sum}  ${NAME}\n`);

// What the executable was built from, for the smoke test to tell a stale one (run this again) from a current one.
const inputs = [
  ...Object.keys(result.metafile.inputs).filter((p) => !p.includes('node_modules/') && !p.includes(':')),
  ...Object.values(assets).map(rel),
  'package-lock.json',
  rel(fileURLToPath(import.meta.url)),
];
writeFileSync(
  join(WORK, 'build.json'),
  JSON.stringify(
    {
      executable: NAME,
      sha256: sum,
      node: process.version,
      keychain: Boolean(addon),
      inputs: Object.fromEntries(inputs.map((p) => [p, sha256(join(ROOT, p))])),
    },
    null,
    2,
  ),
);

const mb = (path) => `${(statSync(path).size / 1e6).toFixed(1)} MB`;
process.stdout.write(
  `${rel(EXE)}: ${mb(EXE)} (script ${mb(bundle)}, blob ${mb(blob)}), built in ${((performance.now() - started) / 1000).toFixed(1)} s\n` +
    `${rel(EXE)}.sha256: ${sum}\n`,
);
