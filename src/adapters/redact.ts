/**
 * Redaction of everything kubestrap shells out or prints: argv, stdout, stderr, errors, events.
 * Generated secret values are registered as they are created; a few patterns catch credentials
 * that arrive from elsewhere (tokens, passwords in URLs, private keys).
 */
export const REDACTED = '<redacted>';

const patterns: [RegExp, string][] = [
  [/(--(?:token|password|client-key-data|client-certificate-data)[= ])(\S+)/gi, `$1${REDACTED}`],
  [/(\b(?:password|passwd|secret|token|aws_secret_access_key|aws_access_key_id)\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi, `$1${REDACTED}`],
  [/(https?:\/\/[^:/\s]+:)([^@/\s]+)(@)/gi, `$1${REDACTED}$3`],
  [/(-----BEGIN [A-Z ]*PRIVATE KEY-----)[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----)/g, `$1${REDACTED}$2`],
];

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Registers a value that must never appear in output (and its base64 form, as in a Secret). */
  add(value: string): void {
    if (value.length < 4) return;
    this.secrets.add(value);
    this.secrets.add(Buffer.from(value).toString('base64'));
  }

  redact(text: string): string {
    let out = text;
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join(REDACTED);
    for (const [pattern, replacement] of patterns) out = out.replace(pattern, replacement);
    return out;
  }

  redactArgv(argv: readonly string[]): string[] {
    return argv.map((a) => this.redact(a));
  }
}
