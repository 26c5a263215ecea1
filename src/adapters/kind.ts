/** kind, one typed function per use; see kind-args.ts. */
import type { Exec } from './exec.js';
import { createClusterArgs, deleteClusterArgs, exportKubeconfigArgs } from './kind-args.js';

export class Kind {
  constructor(private readonly exec: Exec) {}

  async version(): Promise<string> {
    const { stdout } = await this.exec.run(['kind', 'version'], { timeoutMs: 20_000 });
    return /v\d+\.\d+\.\d+/.exec(stdout)?.[0] ?? stdout.trim();
  }

  async clusters(): Promise<string[]> {
    const { stdout } = await this.exec.run(['kind', 'get', 'clusters'], { timeoutMs: 30_000 });
    return stdout
      .split('\n')
      .map((s) => s.trim())
      .filter((s) => s && !s.startsWith('No kind clusters'));
  }

  async create(name: string, configFile: string, wait: boolean): Promise<void> {
    await this.exec.run(createClusterArgs(name, configFile, wait), { timeoutMs: 15 * 60_000 });
  }

  async exportKubeconfig(name: string): Promise<void> {
    await this.exec.run(exportKubeconfigArgs(name), { timeoutMs: 30_000 });
  }

  /** Runs a command on a kind node; kind nodes are containers named <cluster>-control-plane etc. */
  async nodeExec(node: string, argv: string[]): Promise<string> {
    const { stdout } = await this.exec.run(['docker', 'exec', node, ...argv], { timeoutMs: 60_000 });
    return stdout;
  }

  async delete(name: string): Promise<void> {
    await this.exec.run(deleteClusterArgs(name), { timeoutMs: 5 * 60_000 });
  }
}
