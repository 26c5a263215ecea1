// npm run mutation: StrykerJS over src/engine, src/config and src/render against the unit tests
// (stryker.config.mjs), then the mutation score per folder from the JSON report. Extra arguments go to
// `stryker run`, e.g. `npm run mutation -- --mutate 'src/config/**/*.ts'` for one folder.
// Surviving mutants judged equivalent are listed, with the reason, in docs/mutation.md.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const report = path.join(root, 'reports/mutation/mutation.json');
const folders = ['src/engine', 'src/config', 'src/render'];
const equivalentsDoc = 'docs/mutation.md';

if (process.argv[2] !== '--summary-only') {
  // Stryker reads tsconfig.json through TypeScript's JavaScript API, which TypeScript 7 no longer ships:
  // the same 6.0 redirect the linters use (scripts/lint/typescript-6.mjs).
  const run = spawnSync(
    process.execPath,
    [
      '--import=./scripts/lint/typescript-6.mjs',
      path.join(root, 'node_modules/@stryker-mutator/core/bin/stryker.js'),
      'run',
      ...process.argv.slice(2),
    ],
    { cwd: root, stdio: 'inherit' },
  );
  if (run.status !== 0) process.exit(run.status ?? 1);
}
// `--summary-only [report.json ...]`: the table from the given reports (e.g. the incremental files of
// separate per-folder runs), merged file by file; by default from the last run's report.
const reports = process.argv[2] === '--summary-only' && process.argv.length > 3 ? process.argv.slice(3) : [report];
const files = {};
for (const file of reports) {
  if (!existsSync(file)) {
    console.error(`no report at ${path.relative(root, path.resolve(file))}: run npm run mutation first`);
    process.exit(1);
  }
  Object.assign(files, JSON.parse(readFileSync(file, 'utf8')).files);
}
summarize({ files });

function summarize(result) {
  const equivalents = equivalentsListed();
  const rows = [...folders, 'all'].map((folder) => {
    const count = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, Ignored: 0, Equivalent: 0, other: 0 };
    for (const [file, { mutants }] of Object.entries(result.files)) {
      const relative = path.relative(root, path.resolve(root, file));
      if (folder !== 'all' && !relative.startsWith(`${folder}/`)) continue;
      for (const m of mutants) {
        const listed = equivalents.has(`${relative}:${m.location.start.line}:${m.mutatorName}`);
        if (listed && (m.status === 'Survived' || m.status === 'NoCoverage')) count.Equivalent++;
        else if (m.status in count) count[m.status]++;
        else count.other++;
      }
    }
    const detected = count.Killed + count.Timeout;
    const valid = detected + count.Survived + count.NoCoverage;
    const score = (n, d) => (d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(1)} %`);
    return {
      folder,
      score: score(detected, valid + count.Equivalent),
      'score, equivalents excluded': score(detected, valid),
      killed: count.Killed,
      timeout: count.Timeout,
      survived: count.Survived,
      'equivalent (listed)': count.Equivalent,
      'no coverage': count.NoCoverage,
      'ignored (static)': count.Ignored,
      errors: count.other,
    };
  });
  console.table(rows);
  console.log(`Surviving mutants judged equivalent, and why: ${equivalentsDoc}. Full report: reports/mutation/mutation.html`);
}

/** file:line:mutator of each row of the equivalents table in docs/mutation.md. */
function equivalentsListed() {
  const doc = path.join(root, equivalentsDoc);
  if (!existsSync(doc)) return new Set();
  const keys = new Set();
  for (const line of readFileSync(doc, 'utf8').split('\n')) {
    const cells = line.split('|').map((c) => c.trim().replace(/^`|`$/g, ''));
    // | `src/x.ts:12` | Mutator | replacement | why |
    const where = /^(src\/[^:]+):(\d+)$/.exec(cells[1] ?? '');
    if (where && cells[2]) keys.add(`${where[1]}:${where[2]}:${cells[2]}`);
  }
  return keys;
}
