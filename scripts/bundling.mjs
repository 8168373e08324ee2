// What the build (dist/) and the single executable (package.mjs) share when they bundle the CLI into one
// CommonJS script: how our code's ES-module ways of loading things late become require() calls, and three
// changes to bundled packages that keep a plain HTTP/1 command from loading what it never uses.
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { extname, join, relative, sep } from 'node:path';

const builtins = new Set(builtinModules);
const isBuiltin = (path) => builtins.has(path.replace(/^node:/, ''));

/**
 * How a CommonJS bundle of the CLI is made: by the build (dist/cli.cjs, dist/complete.cjs) and by the benchmark
 * (undici's request path alone, beside the CLI). Less to read and keep in memory; names are kept (stack traces,
 * class names in messages); ASCII only, as bin/load.cjs reads a bundle as Latin-1.
 */
export const BUNDLE_OPTIONS = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  charset: 'ascii',
  legalComments: 'none',
};

/**
 * A dynamic import() of a Node module, or of a package left out of the bundle, becomes a require(): a
 * script compiled from its code cache (bin/load.cjs), like one inside a single executable, has no import().
 * `external` says which packages are left out.
 */
export function lateRequire(external = () => false) {
  return {
    name: 'late-require',
    setup(b) {
      b.onResolve({ filter: /^[@a-z]/ }, (args) => {
        if (args.kind !== 'dynamic-import' || !(isBuiltin(args.path) || external(args.path)))
          return undefined;
        return { path: args.path, namespace: 'late-require' };
      });
      b.onLoad({ filter: /.*/, namespace: 'late-require' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(args.path)});`,
        loader: 'js',
      }));
    },
  };
}

/**
 * `const load = createRequire(import.meta.url)` picks single files of a package (undici's parts) or loads a
 * CommonJS package late: its calls become require() calls, which the bundle follows.
 */
export function createRequireCalls(root) {
  return {
    name: 'create-require',
    setup(b) {
      b.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes('createRequire(import.meta.url)')) return undefined;
        const made = /^\s*const (\w+) = createRequire\(import\.meta\.url\);$/m.exec(text);
        if (!made)
          throw new Error(`${relative(root, args.path)}: createRequire(import.meta.url) in an unknown form`);
        const contents = text
          .replace(made[0], '')
          .replace(new RegExp(`\\b${made[1]}\\((['"][^'"]+['"])\\)`, 'g'), 'require($1)');
        return { contents, loader: extname(args.path).slice(1) };
      });
      // A package whose CommonJS entry is a UMD factory (its require() calls hidden from the bundler) is
      // bundled from its ES module build instead.
      b.onResolve({ filter: new RegExp(`^(${UMD_MAIN.join('|')})$`) }, (args) => {
        if (args.kind !== 'require-call') return undefined;
        const pkg = JSON.parse(readFileSync(join(root, 'node_modules', args.path, 'package.json'), 'utf8'));
        return { path: join(root, 'node_modules', args.path, pkg.module) };
      });
    },
  };
}

/** Packages whose `main` is a UMD factory that a bundle cannot follow. */
const UMD_MAIN = ['jsonc-parser'];

/**
 * Replaces each `[from, to]` in a file of the package installed at the top of node_modules (not in copies
 * nested in other packages), and fails the build when the package's code has changed.
 */
function patch(b, file, ...changes) {
  const filter = new RegExp(
    `[/\\\\]node_modules[/\\\\]${file.replace(/[/.]/g, (c) => (c === '/' ? '[/\\\\]' : '\\.'))}$`,
  );
  b.onLoad({ filter }, (args) => {
    if (args.path.split(/[/\\\\]node_modules[/\\\\]/).length > 2) return undefined;
    let text = readFileSync(args.path, 'utf8');
    for (const [from, to] of changes) {
      if (!text.includes(from)) throw new Error(`${file} changed: '${from}' is not in it any more`);
      text = text.replace(from, to);
    }
    return { contents: text, loader: 'js' };
  });
}

/**
 * What a plain HTTP/1 request does not need, loaded when it is used:
 * - undici loads `node:http` for the default size limit of response headers (the client gives its own) and to
 *   recognise a response of Node's HTTP client among the streams it destroys;
 * - undici's HTTP/2 client loads `node:http2` (and with it `tls` and `crypto`) as it starts: it is loaded
 *   when a server offers HTTP/2, which only a TLS connection can;
 * - undici loads `node:assert` (five modules of Node's) for assertions that hold: it loads when one fails;
 * - commander loads `node:child_process` for its stand-alone executable subcommands, which topo has none of;
 * - undici compiles its HTTP parser (WebAssembly) when it opens its first connection: it calls
 *   `globalThis[Symbol.for('topo.beforeWasm')]` first, where bin/topo.js sets V8's flags for it (see there);
 *   its second parser, built without SIMD for machines that cannot run the first, is required by its package
 *   path, which scripts/build.mjs leaves out of the bundle (72 KB of text read at every start);
 * - string-width makes an Intl.Segmenter as it loads (about 15 ms: ICU's data is read): it is made when a
 *   text that is not plain ASCII is first measured (src/output/width.ts measures that by itself).
 */
export function lighterStart() {
  return {
    name: 'lighter-start',
    setup(b) {
      patch(
        b,
        'undici/lib/dispatcher/client.js',
        [
          "const connectH2 = require('./client-h2.js')",
          "let h2; const connectH2 = (...args) => (h2 ??= require('./client-h2.js'))(...args)",
        ],
        ["const http = require('node:http')", ''],
        [
          `const getDefaultNodeMaxHeaderSize = http &&
  http.maxHeaderSize &&
  Number.isInteger(http.maxHeaderSize) &&
  http.maxHeaderSize > 0
  ? () => http.maxHeaderSize
  : () => { throw new InvalidArgumentError('http module not available or http.maxHeaderSize invalid') }`,
          `const getDefaultNodeMaxHeaderSize = () => {
  const { maxHeaderSize } = require('node:http')
  if (Number.isInteger(maxHeaderSize) && maxHeaderSize > 0) return maxHeaderSize
  throw new InvalidArgumentError('http module not available or http.maxHeaderSize invalid')
}`,
        ],
      );
      patch(
        b,
        'undici/lib/core/util.js',
        [
          "const { IncomingMessage } = require('node:http')",
          // Only node:http's class (loaded already, then) has this name.
          "const isIncomingMessage = (C) => C.name === 'IncomingMessage' && C === require('node:http').IncomingMessage",
        ],
        [
          'if (Object.getPrototypeOf(stream).constructor === IncomingMessage) {',
          'if (isIncomingMessage(Object.getPrototypeOf(stream).constructor)) {',
        ],
      );
      patch(b, 'commander/lib/command.js', [
        "const childProcess = require('node:child_process');",
        "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };",
      ]);
      patch(
        b,
        'undici/lib/dispatcher/client-h1.js',
        [
          'function lazyllhttp () {',
          "function lazyllhttp () {\n  globalThis[Symbol.for('topo.beforeWasm')]?.()",
        ],
        // The parser built without SIMD, for a machine whose V8 cannot compile the other: named by package,
        // so that a build may leave it out of its bundle (scripts/build.mjs) and load it if ever needed.
        [
          "process.env.JEST_WORKER_ID ? require('../llhttp/llhttp-wasm.js') : undefined",
          "process.env.JEST_WORKER_ID ? require('undici/lib/llhttp/llhttp-wasm.js') : undefined",
        ],
        [
          "new WebAssembly.Module(llhttpWasmData || require('../llhttp/llhttp-wasm.js'))",
          "new WebAssembly.Module(llhttpWasmData || require('undici/lib/llhttp/llhttp-wasm.js'))",
        ],
      );
      // undici calls assert(value, message) only (no assert.x): the module loads when an assertion fails.
      b.onResolve({ filter: /^(node:)?assert$/ }, (args) =>
        /[/\\]node_modules[/\\]undici[/\\]/.test(args.importer)
          ? { path: 'assert', namespace: 'lazy-assert' }
          : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: 'lazy-assert' }, () => ({
        contents:
          "module.exports = function assert(value, message) { if (!value) require('node:assert')(value, message) }",
        loader: 'js',
      }));
      patch(b, 'string-width/index.js', [
        'const segmenter = new Intl.Segmenter();',
        'let made; const segmenter = { segment: (text) => (made ??= new Intl.Segmenter()).segment(text) };',
      ]);
    },
  };
}
