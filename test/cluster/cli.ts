// npm run test-cluster -- up|down|env
// up:   builds the binaries on a cache miss, starts (or reuses) the cluster; last stdout line is the KUBECONFIG path
// down: stops every recorded process (SIGTERM, then SIGKILL) and removes the state directory
// env:  prints shell exports for KUBECONFIG and a PATH holding the matching kubectl and helm
// With --real, the same verbs drive the real (kind) tier instead (test/cluster/real/tier.ts):
// up --real:   a Docker engine (started and recorded when none runs), kind, the node image and
//              every image built or reused from the cache; last stdout line is the node image tag
// down --real: deletes the tier's kind clusters, stops what up started, restores the host
// env --real:  PATH (kind, kubectl, helm), KUBESTRAP_NODE_IMAGE and DOCKER_HOST when needed
import { down, envLines, readState, up } from './cluster.ts';
import { ClusterError } from './errors.ts';
import { isAlive } from './processes.ts';
import { downReal, envLinesReal, readRealState, upReal } from './real/tier.ts';

const usage = 'usage: npm run test-cluster -- up|down|env [--real]';

async function real(verb: string): Promise<number> {
  switch (verb) {
    case 'up': {
      const r = await upReal();
      process.stderr.write(`real tier ${r.reused ? 'reused' : 'up'}; for a shell: eval "$(npm run -s test-cluster -- env --real)"\n`);
      process.stdout.write(`${r.state.nodeImage ?? '(registry mode: the pinned kindest/node image)'}\n`);
      return 0;
    }
    case 'down': {
      const r = await downReal();
      const alive = r.stopped.filter(isAlive);
      if (alive.length > 0) throw new ClusterError(`still alive: ${alive.map((p) => p.pid).join(', ')}`);
      if (r.remaining.length > 0) throw new ClusterError('the host is not as it was before up --real:', r.remaining.join('\n'));
      if (r.hadState) {
        process.stderr.write(
          `real tier down: deleted ${r.clustersDeleted.length} kind cluster(s)${r.clustersDeleted.length ? ` (${r.clustersDeleted.join(', ')})` : ''}, ` +
            `stopped ${r.stopped.length} recorded process(es) (none left running), host settings as before up\n`,
        );
      }
      return 0;
    }
    case 'env': {
      const state = readRealState();
      if (!state) {
        process.stderr.write('# the real tier is not up; run `npm run test-cluster -- up --real`\n');
        return 1;
      }
      process.stdout.write(`${envLinesReal(state).join('\n')}\n`);
      return 0;
    }
    default:
      process.stderr.write(`unknown verb "${verb}"\n${usage}\n`);
      return 2;
  }
}

async function main(argv: string[]): Promise<number> {
  const isReal = argv.includes('--real');
  const [verb, ...rest] = argv.filter((a) => a !== '--real');
  if (rest.length > 0 || !verb) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  if (isReal && verb !== '-h' && verb !== '--help') return real(verb);
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
      process.stderr.write(
        `test cluster down: stopped all ${r.stopped.length} recorded process(es) (none left running); removed ${r.removed}\n`,
      );
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
