/** Set at build time from package.json (esbuild's and vitest's `define`). */
declare const __TOPO_VERSION__: string;

export const VERSION: string = __TOPO_VERSION__;
