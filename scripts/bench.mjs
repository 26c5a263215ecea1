// `npm run bench`: the performance figures of issue 12, side by side in one run, as ratios where a
// peer exists. A report, never a test: nothing here fails on a budget.
//   startup  `kubestrap --version` vs `kubectl version --client`, `--help` vs `kubectl --help`, and
//            `node -e 0` as the floor; runs interleaved (A B C A B C ...) so machine noise hits all alike
//   plan     `plan` of examples/production.yaml, and of 10/100/1000 tenants (wall, CPU, peak RSS, growth)
//   cluster  a full `up` of examples/test-cluster.yaml on the KWOK test cluster vs a naive script of
//            the same plan commands one after another (no checks), and an unchanged re-run
//   real     (only with --real) `kind create cluster` alone vs kubestrap's cluster step, and the
//            whole `up` of examples/kind-test.yaml with kubestrap's own CPU share of its wall time
// Usage: npm run bench -- [--runs 21] [--only startup,plan,cluster] [--real] [--json file] [--rounds 1]
//                         [--bin other/bin/kubestrap.js] [--skip step,step (cluster part)]
// Results: a table on stdout and JSON (with machine facts) in bench-results/<time>.json or --json.
// Wall and CPU times of children come from scripts/bench-timer.py (wait4 rusage); without python3
// only wall times are reported.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseDocument } from 'yaml';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const node = process.execPath;
const argsEarly = process.argv.slice(2);
// --bin: another build of kubestrap to measure (e.g. a worktree of an older commit), same harness.
const bin = argsEarly.includes('--bin') ? path.resolve(argsEarly[argsEarly.indexOf('--bin') + 1]) : path.join(repo, 'bin/kubestrap.js');
const cache = process.env.KUBESTRAP_TEST_CACHE || path.join(os.homedir(), '.cache/kubestrap-test-cluster');
const versions = Object.fromEntries(
  readFileSync(path.join(repo, 'test/cluster/versions.env'), 'utf8')
    .split('\n')
    .filter((l) => /^[A-Z0-9_]+=/.test(l))
    .map((l) => l.split('=')),
);
const kubectlPeer = path.join(cache, `kubernetes-${versions.K8S_VERSION}`, 'kubectl');

const args = process.argv.slice(2);
const flag = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const runs = Number(flag('--runs', 21)) || 21;
const rounds = Number(flag('--rounds', 1)) || 1;
// --skip: steps left out of the cluster part (passed to `up`, left out of the naive script too).
const skipSteps = (flag('--skip', '') ?? '').split(',').filter(Boolean);
const sections = new Set((flag('--only', 'startup,plan,cluster') ?? '').split(','));
if (args.includes('--real')) sections.add('real');
if (args.includes('--no-cluster')) sections.delete('cluster');
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const jsonFile = path.resolve(flag('--json', path.join(repo, 'bench-results', `${stamp}.json`)));

const python = findPython();
const work = mkdtempSync(path.join(os.tmpdir(), 'kubestrap-bench-'));
const results = { startedAt: new Date().toISOString(), machine: machineFacts(), load: [] };
const table = [];
const sampleLoad = (label) => results.load.push({ at: label, loadavg: os.loadavg().map((l) => Number(l.toFixed(2))) });

// ---------------------------------------------------------------------------------- timing

function findPython() {
  // pyenv shims are bash scripts; resolve the real interpreter once.
  const r = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Runs the jobs in the given order; each result has wallMs and, with python3, userMs/sysMs/maxRssKiB. */
function timeJobs(jobs) {
  if (python) {
    const r = spawnSync(python, [path.join(repo, 'scripts/bench-timer.py')], {
      input: JSON.stringify(jobs),
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    if (r.status !== 0) throw new Error(`bench-timer.py failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }
  return jobs.map((job) => {
    const started = process.hrtime.bigint();
    const r = spawnSync(job.argv[0], job.argv.slice(1), {
      env: job.env ?? process.env,
      cwd: job.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 256 << 20,
    });
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (job.stdout) writeFileSync(job.stdout, r.stdout);
    if (job.stderr) writeFileSync(job.stderr, r.stderr);
    return { wallMs, exitCode: r.status };
  });
}

function checked(job, result) {
  if (result.exitCode !== 0) {
    const err = job.stderr && existsSync(job.stderr) ? readFileSync(job.stderr, 'utf8').slice(-2000) : '';
    throw new Error(`${job.argv.join(' ')} exited ${result.exitCode}\n${err}`);
  }
  return result;
}

function stats(values) {
  const v = values.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const q = (p) => v[Math.min(v.length - 1, Math.floor(p * (v.length - 1) + 0.5))];
  return { median: q(0.5), p25: q(0.25), p75: q(0.75), min: v[0], max: v.at(-1), n: v.length };
}

/** Interleaves runs of each named job (A B C A B C ...) and returns per-name samples. */
function interleaved(named, n) {
  const names = Object.keys(named);
  const jobs = [];
  for (let i = 0; i < n; i++) for (const name of names) jobs.push({ name, ...named[name] });
  const out = timeJobs(jobs.map(({ name, ...job }) => job));
  const samples = Object.fromEntries(names.map((k) => [k, []]));
  out.forEach((r, i) => samples[jobs[i].name].push(checked(jobs[i], r)));
  return samples;
}

const cpu = (r) => (r.userMs === undefined ? undefined : r.userMs + r.sysMs);
function summarize(samples) {
  return { wallMs: stats(samples.map((r) => r.wallMs)), cpuMs: stats(samples.map(cpu)), maxRssKiB: stats(samples.map((r) => r.maxRssKiB)) };
}
/** Median of the per-round ratios a[i]/b[i]: rounds are adjacent in time, so load swings cancel. */
function pairedRatio(a, b, pick) {
  return stats(a.map((r, i) => pick(r) / pick(b[i])).filter(Number.isFinite));
}

const fmtMs = (ms) => (ms === undefined ? '-' : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`);
const fmtSpread = (s) => (s ? `${fmtMs(s.median)} [${fmtMs(s.p25)}–${fmtMs(s.p75)}]` : '-');
const fmtRatio = (s) => (s ? `${s.median.toFixed(2)}× [${s.p25.toFixed(2)}–${s.p75.toFixed(2)}]` : '-');
const budget = (value, limit, unit = '') =>
  value === undefined || Number.isNaN(value) ? '' : value <= limit ? `ok (budget ≤ ${limit}${unit})` : `OVER (budget ≤ ${limit}${unit})`;
const row = (...cells) => table.push(cells);

// ---------------------------------------------------------------------------------- startup
function benchStartup() {
  if (!existsSync(kubectlPeer)) {
    results.startup = { skipped: `the peer kubectl ${kubectlPeer} is not built yet (npm run test-cluster -- up builds it)` };
    row('startup', `skipped: ${results.startup.skipped}`);
    return;
  }
  sampleLoad('startup');
  const samples = interleaved(
    {
      'node -e 0': { argv: [node, '-e', '0'] },
      'kubestrap --version': { argv: [node, bin, '--version'] },
      'kubectl version --client': { argv: [kubectlPeer, 'version', '--client'] },
      'kubestrap --help': { argv: [node, bin, '--help'] },
      'kubectl --help': { argv: [kubectlPeer, '--help'] },
    },
    runs,
  );
  const commands = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)]));
  const ratios = {};
  for (const [a, b] of [
    ['kubestrap --version', 'kubectl version --client'],
    ['kubestrap --help', 'kubectl --help'],
    ['node -e 0', 'kubectl version --client'],
  ]) {
    ratios[`${a} / ${b}`] = {
      wall: pairedRatio(samples[a], samples[b], (r) => r.wallMs),
      cpu: python ? pairedRatio(samples[a], samples[b], cpu) : undefined,
    };
  }
  results.startup = { runs, commands, ratios };
  for (const [name, s] of Object.entries(commands))
    row(
      name,
      `wall ${fmtSpread(s.wallMs)}`,
      `cpu ${fmtSpread(s.cpuMs)}`,
      s.maxRssKiB ? `rss ${(s.maxRssKiB.median / 1024).toFixed(0)} MiB` : '',
    );
  const limits = { 'kubestrap --version / kubectl version --client': 0.8, 'kubestrap --help / kubectl --help': 1.0 };
  for (const [name, r] of Object.entries(ratios))
    row(name, `wall ${fmtRatio(r.wall)}`, `cpu ${fmtRatio(r.cpu)}`, limits[name] ? budget(r.wall?.median, limits[name]) : 'the floor');
}

// ---------------------------------------------------------------------------------- plan
function tenantsConfig(n) {
  const doc = parseDocument(readFileSync(path.join(repo, 'examples/production.yaml'), 'utf8'));
  const tenants = Array.from({ length: n }, (_, i) => ({
    name: `team-${String(i).padStart(4, '0')}`,
    groups: [`team-${String(i).padStart(4, '0')}-engineers`],
    quota: { cpu: '4', memory: '16Gi', pods: 50, storage: '100Gi' },
  }));
  doc.setIn(['spec', 'tenants'], doc.createNode(tenants));
  const file = path.join(work, `tenants-${n}.yaml`);
  writeFileSync(file, doc.toString());
  return file;
}

function planJob(config, label) {
  return {
    argv: [node, bin, 'plan', '--config', config, '--out', path.join(work, 'plan', label), '--output', 'json'],
    stderr: path.join(work, `plan-${label}.err`),
  };
}

function benchPlan() {
  sampleLoad('plan');
  const production = interleaved({ production: planJob(path.join(repo, 'examples/production.yaml'), 'production') }, runs).production;
  const sizes = [10, 100, 1000];
  const tenantRuns = Math.max(3, Math.min(7, Math.floor(runs / 3)));
  const named = Object.fromEntries(sizes.map((n) => [`${n} tenants`, planJob(tenantsConfig(n), `t${n}`)]));
  const samples = interleaved(named, tenantRuns);
  const tenants = Object.fromEntries(sizes.map((n) => [n, summarize(samples[`${n} tenants`])]));
  // Growth: the marginal cost of one tenant between sizes; linear growth keeps it flat.
  const perTenant = (a, b, pick) => {
    const va = pick(tenants[a]);
    const vb = pick(tenants[b]);
    return va === undefined || vb === undefined ? undefined : (vb - va) / (b - a);
  };
  const growth = {
    cpuMsPerTenant: { '10→100': perTenant(10, 100, (t) => t.cpuMs?.median), '100→1000': perTenant(100, 1000, (t) => t.cpuMs?.median) },
    wallMsPerTenant: { '10→100': perTenant(10, 100, (t) => t.wallMs.median), '100→1000': perTenant(100, 1000, (t) => t.wallMs.median) },
    rssKiBPerTenant: {
      '10→100': perTenant(10, 100, (t) => t.maxRssKiB?.median),
      '100→1000': perTenant(100, 1000, (t) => t.maxRssKiB?.median),
    },
  };
  results.plan = { production: { runs, ...summarize(production) }, tenants: { runs: tenantRuns, ...tenants }, growth };
  const p = results.plan.production;
  row('plan production.yaml', `wall ${fmtSpread(p.wallMs)}`, `cpu ${fmtSpread(p.cpuMs)}`, budget(p.wallMs.median / 1000, 0.3, ' s'));
  for (const n of sizes) {
    const t = tenants[n];
    const mib = t.maxRssKiB ? t.maxRssKiB.median / 1024 : undefined;
    row(
      `plan ${n} tenants`,
      `wall ${fmtSpread(t.wallMs)}`,
      `cpu ${fmtSpread(t.cpuMs)}`,
      mib ? `rss ${mib.toFixed(0)} MiB` : '',
      n === 1000 ? `wall ${budget(t.wallMs.median / 1000, 1.5, ' s')}; rss ${budget(mib, 150, ' MiB')}` : '',
    );
  }
  const g = growth.cpuMsPerTenant;
  row(
    'plan growth per tenant',
    `cpu ${g['10→100']?.toFixed(2) ?? '-'} ms (10→100), ${g['100→1000']?.toFixed(2) ?? '-'} ms (100→1000)`,
    `rss ${((growth.rssKiBPerTenant['100→1000'] ?? NaN) / 1).toFixed(0)} KiB/tenant (100→1000)`,
  );
}

// ---------------------------------------------------------------------------------- cluster
function shellQuote(word) {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A bash script of the plan's commands, one after another, no checks: the baseline `up` must beat. */
function naiveScript(planJson, kubeconfig) {
  const lines = [
    '#!/bin/bash',
    '# Written by scripts/bench.mjs from `kubestrap plan --output json`: every command, in order, no checks.',
    'set -euo pipefail',
    `export KUBECONFIG=${shellQuote(kubeconfig)}`,
  ];
  // kubestrap keeps its state in this namespace and creates it first; some plan commands write into it.
  lines.push(`kubectl --context ${shellQuote(planJson.target.context)} create namespace kubestrap-system 2>/dev/null || true`);
  for (const phase of planJson.phases) {
    for (const step of phase.steps) {
      if (!step.enabled || skipSteps.includes(step.id)) continue;
      lines.push(`# ${phase.id}/${step.id}`);
      step.commands.forEach((argv, i) => {
        const stdin = (step.stdin ?? []).find((s) => s.command === i);
        // A chart's own CRDs of one API group (`helm show crds`, filtered by spec.group), piped in.
        const crds = stdin && /^the CRDs of API group (\S+) from: (.+)$/.exec(stdin.content);
        if (crds) {
          lines.push(
            `${crds[2]} | ${shellQuote(node)} ${shellQuote(crdFilter())} ${shellQuote(crds[1])} | ${argv.map(shellQuote).join(' ')}`,
          );
          return;
        }
        const match = stdin && /Secret ([^/\s]+)\/(\S+)/.exec(stdin.content);
        if (stdin && !match) throw new Error(`naive script: cannot read the Secret of "${stdin.content}"`);
        // The plan does not show generated Secret values; the baseline writes one of its own.
        const heredoc = match
          ? ` <<'EOF'\napiVersion: v1\nkind: Secret\nmetadata:\n  name: ${match[2]}\n  namespace: ${match[1]}\nstringData:\n  value: bench-${Math.random().toString(36).slice(2)}\nEOF`
          : '';
        lines.push(`${argv.map(shellQuote).join(' ')}${heredoc}`);
      });
    }
  }
  return `${lines.join('\n')}\n`;
}

/** A filter for the naive script: the CRD documents on stdin whose spec.group is argv[2]. */
function crdFilter() {
  const file = path.join(work, 'crd-filter.mjs');
  writeFileSync(
    file,
    [
      'const group = process.argv[2];',
      "let text = '';",
      "process.stdin.on('data', (c) => (text += c)).on('end', () => {",
      "  const docs = text.split(/^---\\s*$/m).filter((d) => d.split('\\n').some((l) => l.trim() === `group: ${group}`));",
      "  process.stdout.write(docs.join('\\n---\\n'));",
      '});',
      '',
    ].join('\n'),
  );
  return file;
}

function ndjson(file) {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

/** `up` with kubestrap's own rusage (RUSAGE_SELF) written by scripts/bench-rusage.mjs. */
function upJob(label, cfgArgs, env, extra = []) {
  const rusage = path.join(work, `${label}.rusage.json`);
  return {
    job: {
      argv: [
        node,
        '--import',
        pathToFileURL(path.join(repo, 'scripts/bench-rusage.mjs')).href,
        bin,
        'up',
        '--yes',
        '--rebind',
        '--output',
        'json',
        '--work-dir',
        path.join(work, 'apply'),
        ...cfgArgs,
        ...extra,
      ],
      env: { ...env, KUBESTRAP_BENCH_RUSAGE: rusage },
      stdout: path.join(work, `${label}.ndjson`),
      stderr: path.join(work, `${label}.err`),
    },
    rusage,
  };
}

function runUp(label, cfgArgs, env) {
  const { job, rusage } = upJob(label, cfgArgs, env);
  const [r] = timeJobs([job]);
  const events = existsSync(job.stdout) ? ndjson(job.stdout) : [];
  const end = events.find((e) => e.event === 'run.end');
  if (r.exitCode !== 0 || !end?.ok)
    throw new Error(`${label}: kubestrap up exited ${r.exitCode}: ${readFileSync(job.stderr, 'utf8').slice(-2000)} ${end?.failed ?? ''}`);
  const own = existsSync(rusage) ? JSON.parse(readFileSync(rusage, 'utf8')) : undefined;
  const ownCpuMs = own ? own.userMs + own.sysMs : undefined;
  const checks = events.filter((e) => e.event === 'check.result');
  return {
    wallMs: r.wallMs,
    cpuMsWithChildren: cpu(r),
    kubestrapCpuMs: ownCpuMs,
    kubestrapCpuShare: ownCpuMs === undefined ? undefined : ownCpuMs / r.wallMs,
    commandMs: end.commandMs,
    changed: end.changed.length,
    skipped: end.skipped.length,
    checks: {
      ok: checks.filter((c) => c.status === 'ok').length,
      failed: checks.filter((c) => c.status === 'failed').length,
      skipped: checks.filter((c) => c.status === 'skipped').length,
    },
    steps: Object.fromEntries(events.filter((e) => e.event === 'step.ok').map((e) => [e.step, e.ms])),
    // From kubestrap's first event to each step's end: with provider kind, the cluster step's own
    // `ms` counts its checks only (`kind create cluster` runs before the preflight).
    stepEndsMs: Object.fromEntries(
      events
        .filter((e) => e.event === 'step.ok' || e.event === 'step.skip')
        .map((e) => [e.step, Date.parse(e.time) - Date.parse(events[0].time)]),
    ),
  };
}

/**
 * examples/test-cluster.yaml with the chart folder the KWOK e2e tests use: the real upstream charts
 * wherever they work on simulated nodes, stand-ins from test/charts elsewhere
 * (test/real-charts/kwok-charts.ts, loaded through jiti as the tests load it through vitest).
 */
async function kwokConfig() {
  const { createJiti } = await import('jiti');
  const jiti = createJiti(import.meta.url);
  const { assembleKwokCharts } = await jiti.import(path.join(repo, 'test/real-charts/kwok-charts.ts'));
  const charts = path.join(work, 'charts');
  const assembled = assembleKwokCharts(charts);
  const doc = parseDocument(readFileSync(path.join(repo, 'examples/test-cluster.yaml'), 'utf8'));
  doc.setIn(['spec', 'charts', 'localDir'], charts);
  const file = path.join(work, 'test-cluster.yaml');
  writeFileSync(file, doc.toString());
  return { file, assembled };
}

async function benchCluster() {
  if (!existsSync(kubectlPeer) || !existsSync(path.join(cache, `kubernetes-${versions.K8S_VERSION}`, 'kube-apiserver'))) {
    results.cluster = { skipped: 'the test control plane is not built yet (npm run test-cluster -- up builds it)' };
    row('cluster', `skipped: ${results.cluster.skipped}`);
    return;
  }
  const clusterDir = path.join(cache, 'bench');
  const clusterEnv = { ...process.env, KUBESTRAP_TEST_CLUSTER_DIR: clusterDir };
  const cli = path.join(repo, 'test/cluster/cli.ts');
  const started = spawnSync(node, [cli, 'up'], { env: clusterEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (started.status !== 0) throw new Error('the test cluster did not start');
  try {
    const kubeconfig = started.stdout.trim().split('\n').at(-1);
    const envOut = spawnSync(node, [cli, 'env'], { env: clusterEnv, encoding: 'utf8' }).stdout;
    const pathDir = /export PATH='([^']+)'/.exec(envOut)?.[1];
    const env = { ...process.env, KUBECONFIG: kubeconfig, PATH: `${pathDir ? `${pathDir}:` : ''}${process.env.PATH}`, CI: 'true' };
    const kubectl = (...a) => spawnSync('kubectl', ['--context', 'kubestrap-test', ...a], { env, encoding: 'utf8' });
    const prerequisites = () => {
      kubectl('create', 'namespace', 'velero');
      kubectl('--namespace', 'velero', 'create', 'secret', 'generic', 'velero-s3-credentials', '--from-literal=cloud=[default]');
    };
    const { file: clusterConfig, assembled } = await kwokConfig();
    results.machine.kwokCharts = assembled;
    const cfg = ['--config', clusterConfig];
    const upArgs = skipSteps.length ? [...cfg, '--skip', skipSteps.join(',')] : cfg;
    const down = () => {
      const r = spawnSync(node, [bin, 'down', '--purge', '--yes', ...cfg, '--output', 'plain'], { env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`kubestrap down failed: ${r.stderr}`);
    };
    results.machine.helm = firstLine(spawnSync('helm', ['version', '--short'], { env, encoding: 'utf8' }).stdout);
    results.cluster = { rounds: [] };
    for (let round = 0; round < rounds; round++) {
      sampleLoad(`cluster round ${round + 1}`);
      // kubestrap first (its own state lets `down` clean up), then the naive script on the cleaned cluster.
      prerequisites();
      const entry = {};
      results.cluster.rounds.push(entry);
      entry.up = runUp(`up-full-${round}`, upArgs, env);
      entry.rerun = runUp(`up-rerun-${round}`, upArgs, env);
      down();
      const planOut = path.join(work, 'naive-plan');
      const plan = spawnSync(node, [bin, 'plan', ...cfg, '--out', planOut, '--output', 'json'], {
        env,
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      });
      if (plan.status !== 0) throw new Error(`plan failed: ${plan.stderr}`);
      const script = path.join(work, 'naive.sh');
      const planJson = JSON.parse(plan.stdout);
      const commands = planJson.phases.flatMap((ph) =>
        ph.steps.filter((s) => s.enabled && !skipSteps.includes(s.id)).flatMap((s) => s.commands),
      ).length;
      writeFileSync(script, naiveScript(planJson, kubeconfig), { mode: 0o755 });
      prerequisites();
      const naiveJob = { argv: ['bash', script], env, stdout: path.join(work, 'naive.out'), stderr: path.join(work, 'naive.err') };
      const [naiveRun] = timeJobs([naiveJob]);
      checked(naiveJob, naiveRun);
      entry.naive = { wallMs: naiveRun.wallMs, cpuMs: cpu(naiveRun), commands };
      // The naive run wrote no kubestrap state: adopt what it installed with a re-run, then remove it.
      if (round + 1 < rounds) {
        runUp(`adopt-${round}`, upArgs, env);
        down();
      }
    }
    const r = results.cluster.rounds;
    const ratio = stats(r.map((x) => x.up.wallMs / x.naive.wallMs));
    results.cluster.ratioUpToNaive = ratio;
    for (const [i, x] of r.entries()) {
      row(
        `up full (round ${i + 1})`,
        `wall ${fmtMs(x.up.wallMs)}`,
        `kubectl/helm ${fmtMs(x.up.commandMs)}`,
        `kubestrap cpu ${fmtMs(x.up.kubestrapCpuMs)} (${((x.up.kubestrapCpuShare ?? NaN) * 100).toFixed(1)} % of wall)`,
        `${x.up.changed} applied, checks ${x.up.checks.ok} ok/${x.up.checks.failed} failed/${x.up.checks.skipped} skipped`,
      );
      row(`naive script (round ${i + 1})`, `wall ${fmtMs(x.naive.wallMs)}`, `cpu ${fmtMs(x.naive.cpuMs)}`);
      row(
        `up re-run unchanged (round ${i + 1})`,
        `wall ${fmtMs(x.rerun.wallMs)}`,
        `kubectl/helm ${fmtMs(x.rerun.commandMs)}`,
        `kubestrap cpu ${fmtMs(x.rerun.kubestrapCpuMs)}`,
        `${x.rerun.skipped} skipped; ${budget(x.rerun.wallMs / 1000, 4, ' s')}`,
      );
    }
    row('up / naive script', `wall ${fmtRatio(ratio)}`, budget(ratio?.median, 0.8));
  } catch (error) {
    results.cluster = { ...results.cluster, error: String(error?.message ?? error) };
    row('cluster', `failed: ${results.cluster.error.split('\n')[0]}`);
    throw error;
  } finally {
    sampleLoad('cluster end');
    // The bench's own test cluster goes away whole (no `down` needed, and none aimed at a kubeconfig it did not make).
    spawnSync(node, [cli, 'down'], { env: clusterEnv, stdio: 'ignore' });
  }
}

// ---------------------------------------------------------------------------------- real kind tier
// Uses the real tier as it runs (npm run test-cluster -- up --real); never starts or stops it (its
// `down --real` deletes every kind cluster on that Docker engine). Its own clusters only, by name.
function benchReal() {
  const cli = path.join(repo, 'test/cluster/cli.ts');
  const envOut = spawnSync(node, [cli, 'env', '--real'], { encoding: 'utf8' });
  if (envOut.status !== 0) {
    results.real = { skipped: 'the real kind tier is not up (npm run test-cluster -- up --real)' };
    row('real kind tier', `skipped: ${results.real.skipped}`);
    return;
  }
  const env = { ...process.env, CI: 'true' };
  for (const [, key, value, rest] of envOut.stdout.matchAll(/export (\w+)='([^']*)'(:"\$PATH")?/g))
    env[key] = rest ? `${value}:${process.env.PATH}` : value;
  results.machine.kind = firstLine(spawnSync('kind', ['version'], { env, encoding: 'utf8' }).stdout);
  // One kind cluster at a time fits the host's inotify limits: another one (e.g. the e2e-real
  // tests' kubestrap-real, kept between runs) is never touched, and the part is not measured.
  const others = (spawnSync('kind', ['get', 'clusters'], { env, encoding: 'utf8' }).stdout ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((n) => n && !n.startsWith('kubestrap-bench'));
  if (others.length > 0) {
    results.real = {
      skipped: `another kind cluster runs on this Docker engine (${others.join(', ')}); the bench creates its own only when none does`,
    };
    row('real kind tier', `not measured: ${results.real.skipped}`);
    return;
  }
  sampleLoad('real');
  const name = 'kubestrap-bench-alone';
  const kubeconfig = path.join(work, 'kind-alone.kubeconfig');
  const kindConfig = path.join(work, 'kind-alone.yaml');
  // The same node layout as examples/kind-test.yaml: one control plane, two workers.
  writeFileSync(
    kindConfig,
    'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n  - role: control-plane\n  - role: worker\n  - role: worker\n',
  );
  const aloneJob = {
    argv: [
      'kind',
      'create',
      'cluster',
      '--name',
      name,
      '--config',
      kindConfig,
      '--kubeconfig',
      kubeconfig,
      ...(env.KUBESTRAP_NODE_IMAGE ? ['--image', env.KUBESTRAP_NODE_IMAGE] : []),
      '--wait',
      '5m',
    ],
    env,
    stderr: path.join(work, 'kind-alone.err'),
  };
  let alone;
  try {
    [alone] = timeJobs([aloneJob]);
  } finally {
    spawnSync('kind', ['delete', 'cluster', '--name', name, '--kubeconfig', kubeconfig], { env, stdio: 'ignore' });
  }
  checked(aloneJob, alone);
  // examples/kind-test.yaml under a cluster name of its own (kubestrap-real belongs to the e2e-real tests).
  const doc = parseDocument(readFileSync(path.join(repo, 'examples/kind-test.yaml'), 'utf8'));
  doc.setIn(['metadata', 'name'], 'kind-bench');
  doc.setIn(['spec', 'cluster', 'name'], 'kubestrap-bench');
  const localDir = doc.getIn(['spec', 'charts', 'localDir']);
  // As the e2e-real tests: KUBESTRAP_UPSTREAM_CHARTS names the folder of the real charts when set.
  const upstream = process.env.KUBESTRAP_UPSTREAM_CHARTS;
  if (upstream) doc.setIn(['spec', 'charts', 'localDir'], path.resolve(upstream));
  else if (typeof localDir === 'string') doc.setIn(['spec', 'charts', 'localDir'], path.resolve(repo, 'examples', localDir));
  const config = path.join(work, 'kind-bench.yaml');
  writeFileSync(config, doc.toString());
  const cfg = ['--config', config];
  try {
    const run = runUp('real-up', cfg, env);
    results.real = { kindCreateAloneMs: alone.wallMs, up: run };
    row('kind create cluster (alone, 1+2 nodes)', `wall ${fmtMs(alone.wallMs)}`);
    const clusterReady = run.stepEndsMs.cluster;
    row(
      "kubestrap's cluster step (first event to cluster verified)",
      `wall ${fmtMs(clusterReady)}`,
      `ratio ${(clusterReady / alone.wallMs).toFixed(2)}× kind alone`,
      `its checks alone ${fmtMs(run.steps.cluster)}`,
    );
    row(
      'up (real kind tier)',
      `wall ${fmtMs(run.wallMs)}`,
      `kubestrap cpu ${fmtMs(run.kubestrapCpuMs)}`,
      `${((run.kubestrapCpuShare ?? NaN) * 100).toFixed(1)} % of wall; ${budget((run.kubestrapCpuShare ?? NaN) * 100, 5, ' %')}`,
    );
  } finally {
    spawnSync(node, [bin, 'down', '--purge', '--yes', ...cfg, '--output', 'plain'], { env, stdio: 'ignore' });
    spawnSync('kind', ['delete', 'cluster', '--name', 'kubestrap-bench'], { env, stdio: 'ignore' });
  }
}

// ---------------------------------------------------------------------------------- machine facts
function firstLine(text) {
  return (text ?? '').trim().split('\n')[0] || undefined;
}

function machineFacts() {
  const git = (...a) => {
    try {
      return execFileSync('git', ['-C', repo, ...a], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return undefined;
    }
  };
  const kubectl = existsSync(kubectlPeer)
    ? spawnSync(kubectlPeer, ['version', '--client', '--output', 'json'], { encoding: 'utf8' })
    : undefined;
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryMiB: Math.round(os.totalmem() / 2 ** 20),
    loadavgAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
    kubectl: kubectl?.status === 0 ? JSON.parse(kubectl.stdout).clientVersion.gitVersion : undefined,
    kubectlPath: kubectlPeer,
    timer: python ? `wait4 rusage via ${python}` : 'wall only (no python3)',
    git: { commit: git('rev-parse', 'HEAD'), dirty: (git('status', '--porcelain', '--untracked-files=no') ?? '') !== '' },
    kubestrap: bin,
    skippedSteps: skipSteps,
    stepConcurrency: process.env.KUBESTRAP_CONCURRENCY ?? 'default (4)',
  };
}

// ---------------------------------------------------------------------------------- main
try {
  if (sections.has('startup')) benchStartup();
  if (sections.has('plan')) benchPlan();
  if (sections.has('cluster')) await benchCluster();
  if (sections.has('real')) benchReal();
} finally {
  rmSync(work, { recursive: true, force: true });
  results.machine.loadavgAtEnd = os.loadavg().map((l) => Number(l.toFixed(2)));
  results.finishedAt = new Date().toISOString();
  mkdirSync(path.dirname(jsonFile), { recursive: true });
  writeFileSync(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
  const m = results.machine;
  process.stdout.write(
    `kubestrap benchmark ${results.startedAt}  (commit ${m.git.commit?.slice(0, 10) ?? '?'}${m.git.dirty ? '+dirty' : ''}; ${m.cpus} cpus, ${m.memoryMiB} MiB; load ${m.loadavgAtStart.join(' ')} -> ${m.loadavgAtEnd.join(' ')}; node ${m.node}, kubectl ${m.kubectl ?? '-'}${m.helm ? `, helm ${m.helm}` : ''})\n` +
      `times: median [p25–p75]; ratios: median of per-round ratios (interleaved runs)\n` +
      table
        .map((cells) =>
          cells
            .filter(Boolean)
            .map((c, i) => (i === 0 ? c.padEnd(52) : c))
            .join('  '),
        )
        .join('\n') +
      `\nJSON: ${jsonFile}\n`,
  );
}
