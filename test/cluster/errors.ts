// An expected failure of the test cluster: the CLI prints its message (no stack) and exits 1.
export class ClusterError extends Error {
  override name = 'ClusterError';
  /** Extra lines for the user, e.g. the tail of a process log. */
  detail: string | undefined;
  constructor(message: string, detail?: string) {
    super(message);
    this.detail = detail;
  }
}

/** Logs progress to stderr; stdout is kept for the machine-readable last line. */
export function log(message: string): void {
  process.stderr.write(`[test-cluster ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
