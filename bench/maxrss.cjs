// Loaded with `node --require` (CommonJS, so that the process runs its main script as it would without it: an
// `--import` would start the ES module loader, which then loads a CommonJS main script through its own
// translator): writes the process's peak resident memory (KiB) and the CPU time it used (ms, user and system)
// to $TOPO_BENCH_RSS_FILE at exit.
'use strict';
const { writeFileSync } = require('node:fs');

process.on('exit', () => {
  if (process.env.TOPO_BENCH_RSS_FILE)
    writeFileSync(
      process.env.TOPO_BENCH_RSS_FILE,
      `${process.resourceUsage().maxRSS} ${(process.cpuUsage().user + process.cpuUsage().system) / 1000}`,
    );
});
