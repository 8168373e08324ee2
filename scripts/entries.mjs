// The build's entry points. Read by build.mjs, and by package.mjs to bundle bin/topo.js's requires of dist/
// from the same sources.

/** What bin/topo.js runs: dist/<name>.cjs, one CommonJS script each, with every package it uses inside. */
export const bundles = {
  cli: 'src/cli.ts',
  complete: 'src/complete.ts',
};

/** ES modules for the benchmarks and scripts that start a sandbox: dist/<name>.js. */
export const modules = {
  'sandbox/server': 'src/sandbox/server.ts',
  'sandbox/seed': 'src/sandbox/seed.ts',
};

export const entryPoints = { ...bundles, ...modules };
