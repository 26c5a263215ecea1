/**
 * Renders an argv as one POSIX shell command line, for display: pasted into sh, bash or zsh it runs
 * exactly this argv (kubestrap itself never passes it to a shell). Anything beyond plain path
 * characters is single-quoted, where only the single quote itself needs care; a newline inside
 * single quotes stays part of the word.
 */
export function formatArgv(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

export function shellQuote(word: string): string {
  // A leading "=" is left quoted: zsh expands =cmd to the path of cmd.
  return /^[A-Za-z0-9_@%+:,./-][A-Za-z0-9_@%+=:,./-]*$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
