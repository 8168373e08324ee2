// Builds dist/: our code, commander and valibot bundled into a few ES modules (fast start-up), other packages
// loaded from node_modules when a command needs them. Type checking is `npm run typecheck`.
import { build } from 'esbuild';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { entryPoints } from './entries.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// valibot is bundled too: only the schemas topo uses are kept (it is made to be tree-shaken).
const bundled = new Set(['commander', 'valibot']);
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints,
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: false,
  external: Object.keys(pkg.dependencies).filter((name) => !bundled.has(name)),
  // commander is CommonJS: give its require() calls a real require.
  banner: {
    js: "import { createRequire as __topoRequire } from 'node:module'; const require = __topoRequire(import.meta.url);",
  },
  chunkNames: 'chunks/[name]-[hash]',
  define: { __TOPO_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
});

// Help texts and the description of the commands for completion, made ahead of time: `topo … --help` and
// `topo complete -- …` answer from them without loading the CLI (bin/topo.js).
const { renderHelpCache, renderCompletionSpec } = await import('../dist/cli.js');
writeFileSync(new URL('../dist/help.json', import.meta.url), JSON.stringify(await renderHelpCache()));
writeFileSync(
  new URL('../dist/completion.json', import.meta.url),
  JSON.stringify(await renderCompletionSpec()),
);
