/** Renders an argv for display only (it is never passed to a shell): quotes what needs quoting. */
export function formatArgv(argv: readonly string[]): string {
  return argv.map((a) => (a.startsWith('# ') ? a : /^[\w@%+=:,./=-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
