// Loaded with `node --import`: writes the process's peak resident memory (KiB) to $TOPO_BENCH_RSS_FILE at exit.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  if (process.env.TOPO_BENCH_RSS_FILE)
    writeFileSync(process.env.TOPO_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS));
});
