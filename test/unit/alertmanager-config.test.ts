// The Alertmanager configuration kubestrap renders, read by Alertmanager's own parser and router:
// amtool (github.com/prometheus/alertmanager/cmd/amtool, same version as the pinned chart's
// Alertmanager, v0.34.0) checks it and says which receivers an alert reaches. amtool is not part
// of the project's toolchain: point KUBESTRAP_TEST_AMTOOL at one (or put it on PATH), e.g.
//   GOBIN=/tmp/amtool go install github.com/prometheus/alertmanager/cmd/amtool@v0.34.0
// Without it these tests are reported as skipped, with that reason in their name.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { alertmanagerConfig } from '../../src/steps/monitoring.js';

function findAmtool(): string | undefined {
  for (const candidate of [process.env.KUBESTRAP_TEST_AMTOOL, 'amtool']) {
    if (!candidate) continue;
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // not there
    }
  }
  return undefined;
}

const amtool = findAmtool();
// Made only when the tests run: a skipped file runs no hooks, so a directory made here would stay behind.
const dir = amtool ? mkdtempSync(path.join(tmpdir(), 'kubestrap-amtool-')) : '';
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function load(example: string): Promise<Config> {
  return (await loadConfigFile(path.join(import.meta.dirname, '../../examples', example))).config;
}

function write(config: Config, name: string): string {
  const file = path.join(dir, `${name}.yml`);
  writeFileSync(file, stringify(alertmanagerConfig(config).config));
  return file;
}

/** The receivers an alert with these labels reaches, as Alertmanager's router decides. */
function route(file: string, labels: Record<string, string>): string[] {
  const out = execFileSync(
    amtool!,
    ['config', 'routes', 'test', `--config.file=${file}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)],
    { encoding: 'utf8' },
  );
  return out.trim().split(',');
}

const title = (t: string) => (amtool ? t : `${t} (skipped: amtool not found; set KUBESTRAP_TEST_AMTOOL)`);

describe.skipIf(!amtool)('Alertmanager reads the configuration kubestrap renders', () => {
  it(title("production: valid; Watchdog reaches only the dead man's switch; critical pages and chats, warnings chat"), async () => {
    const file = write(await load('production.yaml'), 'production');
    expect(execFileSync(amtool!, ['check-config', file], { encoding: 'utf8' })).toContain('SUCCESS');
    expect(route(file, { alertname: 'Watchdog', severity: 'none' })).toEqual(['kubestrap-deadmansswitch']);
    expect(route(file, { alertname: 'KubeNodeNotReady', severity: 'critical' })).toEqual(['oncall', 'platform-team']);
    expect(route(file, { alertname: 'KubestrapBackupPartiallyFailed', severity: 'warning' })).toEqual(['platform-team']);
    expect(route(file, { alertname: 'InfoInhibitor', severity: 'none' })).toEqual(['kubestrap-discard']);
  });

  it(title("without a dead man's switch (kind-dev) the Watchdog is dropped, and the file is still valid"), async () => {
    const file = write(await load('kind-dev.yaml'), 'kind-dev');
    expect(execFileSync(amtool!, ['check-config', file], { encoding: 'utf8' })).toContain('SUCCESS');
    expect(route(file, { alertname: 'Watchdog', severity: 'none' })).toEqual(['kubestrap-discard']);
  });

  it(title('the alert-delivery check fires an alert that reaches its probe webhook only, never a team receiver'), async () => {
    const file = write(await load('production.yaml'), 'production-probe');
    const labels = { alertname: 'KubestrapAlertProbe', severity: 'none', kubestrap_probe: 'alert-delivery', kubestrap_probe_run: 'x1' };
    expect(route(file, labels)).toEqual(['kubestrap-alert-probe']);
    // Even marked critical it stays away from the pager and the chat.
    expect(route(file, { ...labels, severity: 'critical' })).toEqual(['kubestrap-alert-probe']);
  });
});
