// npm run test-cluster -- up|down|env
// up:   builds the binaries on a cache miss, starts (or reuses) the cluster; last stdout line is the KUBECONFIG path
// down: stops every recorded process (SIGTERM, then SIGKILL) and removes the state directory
// env:  prints shell exports for KUBECONFIG and a PATH holding the matching kubectl and helm
import { down, envLines, readState, up } from './cluster.ts';
import { ClusterError } from './errors.ts';
import { isAlive } from './processes.ts';

const usage = 'usage: npm run test-cluster -- up|down|env';

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (rest.length > 0 || !verb) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  switch (verb) {
    case 'up': {
      const r = await up();
      process.stdout.write(`${r.kubeconfig}\n`);
      return 0;
    }
    case 'down': {
      const r = await down();
      const alive = r.stopped.filter(isAlive);
      if (alive.length > 0) throw new ClusterError(`still alive: ${alive.map((p) => p.pid).join(', ')}`);
      process.stderr.write(`test cluster down: stopped all ${r.stopped.length} recorded process(es) (none left running); removed ${r.removed}\n`);
      return 0;
    }
    case 'env': {
      if (!readState()) process.stderr.write('# note: the test cluster is not running; run `npm run test-cluster -- up`\n');
      process.stdout.write(`${envLines().join('\n')}\n`);
      return 0;
    }
    case '-h':
    case '--help':
      process.stdout.write(`${usage}\n`);
      return 0;
    default:
      process.stderr.write(`unknown verb "${verb}"\n${usage}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ClusterError) {
      process.stderr.write(`test-cluster: ${err.message}\n`);
      if (err.detail) process.stderr.write(`${err.detail.replace(/^/gm, '  | ')}\n`);
    } else {
      process.stderr.write(`test-cluster: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
    process.exitCode = 1;
  },
);
