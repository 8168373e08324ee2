// The build's entry points: dist/<name>.js is made from each of these sources. Read by build.mjs, and by
// package.mjs to bundle bin/topo.js's imports of dist/ from the same sources.
export const entryPoints = {
  cli: 'src/cli.ts',
  complete: 'src/complete.ts',
  'sandbox/server': 'src/sandbox/server.ts',
  'sandbox/seed': 'src/sandbox/seed.ts',
};
