// Loaded by scripts/bench.mjs with `node --import` in front of bin/kubestrap.js: at exit, writes
// kubestrap's own resource usage (this process only, not the kubectl/helm it ran) to the file named
// by KUBESTRAP_BENCH_RUSAGE, so the bench can report kubestrap's CPU share of a run's wall time.
import { writeFileSync } from 'node:fs';

const file = process.env.KUBESTRAP_BENCH_RUSAGE;
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(
      file,
      JSON.stringify({
        userMs: u.userCPUTime / 1000,
        sysMs: u.systemCPUTime / 1000,
        maxRssKiB: u.maxRSS,
        uptimeMs: process.uptime() * 1000,
      }),
    );
  });
}
