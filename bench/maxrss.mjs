// Loaded with `node --import`: writes the process's peak resident memory (KiB) and the CPU time it used (ms,
// user and system) to $TOPO_BENCH_RSS_FILE at exit.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  if (process.env.TOPO_BENCH_RSS_FILE)
    writeFileSync(
      process.env.TOPO_BENCH_RSS_FILE,
      `${process.resourceUsage().maxRSS} ${(process.cpuUsage().user + process.cpuUsage().system) / 1000}`,
    );
});
