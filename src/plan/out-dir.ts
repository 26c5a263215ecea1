/**
 * Decides whether a plan directory may be replaced. A plan directory is generated output, but the
 * path comes from the user (`--out`), so a slip (`--out .`, `--out ~`, `--out .kubestrap`) must never
 * cost them a file: kubestrap only ever replaces a directory that it wrote itself and that holds
 * nothing else, and never the current directory, the home directory, the root or a parent of the
 * config file, whatever they hold.
 */
import { lstat, readdir, readFile, statfs } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { UsageError } from '../errors.js';

/** Written into every plan directory; lists what kubestrap put there. */
export const PLAN_MARKER = '.kubestrap-plan.json';
const MARKER_KIND = 'kubestrap-plan-directory';

export interface PlanMarker {
  kind: typeof MARKER_KIND;
  files: string[];
}

/**
 * What a guarded output directory is for: its marker file and kind, and the words errors use.
 * `plan --out` is the default; `bundle --out` passes its own (src/bundle/out-dir.ts).
 */
export interface OutDirPurpose {
  marker: string;
  kind: string;
  /** e.g. "plan directory" */
  noun: string;
  howToFix: string;
}

export function markerContent(files: string[], kind: string = MARKER_KIND): string {
  const marker = { kind, files: [...files].sort() };
  return `${JSON.stringify(marker, null, 2)}\n`;
}

// statfs magic numbers of pseudo file systems no plan can live on: proc, sysfs, devpts, cgroup,
// cgroup2, debugfs, securityfs, tracefs. Not tmpfs (0x1021994): /tmp, /run and /dev/shm are
// ordinary places to write; devtmpfs shares its magic, so /dev is refused by path instead.
const PSEUDO_FS = new Set([0x9fa0, 0x62656572, 0x1cd1, 0x27e0eb, 0x63677270, 0x64626720, 0x73636673, 0x74726163]);

function isDeviceTree(p: string): boolean {
  return (p === '/dev' || p.startsWith('/dev/')) && !(p === '/dev/shm' || p.startsWith('/dev/shm/'));
}

const planPurpose: OutDirPurpose = {
  marker: PLAN_MARKER,
  kind: MARKER_KIND,
  noun: 'plan directory',
  howToFix: 'Pass --out a new or empty directory, or one that an earlier `kubestrap plan` wrote (the default is .kubestrap/plan).',
};

function isSameOrAncestor(candidate: string, of: string): boolean {
  const rel = path.relative(candidate, of);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

async function nearestExisting(p: string): Promise<string> {
  let current = p;
  for (;;) {
    try {
      await lstat(current);
      return current;
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return current;
      current = parent;
    }
  }
}

/** Every file and directory under dir, relative to it, without following symbolic links. */
async function listTree(dir: string, prefix = ''): Promise<{ files: string[]; dirs: string[] }> {
  const files: string[] = [];
  const dirs: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      dirs.push(rel);
      const sub = await listTree(path.join(dir, entry.name), rel);
      files.push(...sub.files);
      dirs.push(...sub.dirs);
    } else {
      files.push(rel);
    }
  }
  return { files, dirs };
}

async function readMarker(dir: string, purpose: OutDirPurpose): Promise<PlanMarker | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path.join(dir, purpose.marker), 'utf8')) as Partial<PlanMarker>;
    if (
      (parsed.kind as string | undefined) === purpose.kind &&
      Array.isArray(parsed.files) &&
      parsed.files.every((f) => typeof f === 'string')
    )
      return parsed as PlanMarker;
  } catch {
    // absent or unreadable: not a marker
  }
  return undefined;
}

function listSome(items: string[]): string {
  const shown = items.slice(0, 5).join(', ');
  return items.length > 5 ? `${shown} and ${items.length - 5} more` : shown;
}

export interface OutDirGuard {
  /** The plan directory as the user gave it. */
  outDir: string;
  /** The config file the plan comes from, if any: never inside what gets replaced. */
  configFile?: string | undefined;
  /** Artifact paths (relative) this plan writes: a directory holding only these, from an older kubestrap without a marker, may be replaced. */
  artifacts: string[];
  cwd?: string;
  home?: string;
  /** Defaults to the plan directory's marker and wording. */
  purpose?: OutDirPurpose;
}

/**
 * Throws a UsageError (exit 2) unless outDir may be created or replaced. Returns whether a
 * directory already exists there.
 */
export async function checkPlanOutDir(guard: OutDirGuard): Promise<{ exists: boolean }> {
  const shown = guard.outDir === '' ? '""' : guard.outDir;
  const purpose = guard.purpose ?? planPurpose;
  const { howToFix, noun } = purpose;
  if (guard.outDir.trim() === '') throw new UsageError(`--out ${shown} names no directory.`, howToFix);
  const cwd = path.resolve(guard.cwd ?? process.cwd());
  const home = path.resolve(guard.home ?? homedir());
  const out = path.resolve(cwd, guard.outDir);

  const forbidden: [string, string][] = [
    [path.parse(out).root, 'the root directory'],
    [home, 'your home directory (or a parent of it)'],
    [cwd, 'the current directory (or a parent of it)'],
  ];
  if (guard.configFile)
    forbidden.push([
      path.dirname(path.resolve(cwd, guard.configFile)),
      `the directory of the config file ${guard.configFile} (or a parent of it)`,
    ]);
  for (const [protectedDir, what] of forbidden) {
    if (isSameOrAncestor(out, protectedDir)) {
      throw new UsageError(`--out ${shown} is ${what}; kubestrap replaces its ${noun} as a whole and will never replace that.`, howToFix);
    }
  }

  const existing = await nearestExisting(out);
  const fs = await statfs(existing).catch(() => undefined);
  if ((fs && PSEUDO_FS.has(Number(fs.type))) || isDeviceTree(out)) {
    throw new UsageError(`--out ${shown} is on a kernel pseudo file system (${existing}), where no ${noun} can be written.`, howToFix);
  }
  if (existing !== out) {
    const st = await lstat(existing);
    if (!st.isDirectory()) throw new UsageError(`--out ${shown} cannot be created: ${existing} is a file, not a directory.`, howToFix);
    return { exists: false };
  }

  const st = await lstat(out);
  if (st.isSymbolicLink())
    throw new UsageError(
      `--out ${shown} is a symbolic link; kubestrap will not replace it.`,
      'Pass the directory it points to, or a new directory.',
    );
  if (!st.isDirectory())
    throw new UsageError(`--out ${shown} exists and is a file, not a directory; kubestrap will not replace it.`, howToFix);

  const tree = await listTree(out).catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`--out ${shown} cannot be read (${e.code ?? e.message}).`, howToFix);
  });
  if (tree.files.length === 0 && tree.dirs.length === 0) return { exists: true };

  const marker = await readMarker(out, purpose);
  const known = new Set(marker ? [...marker.files, purpose.marker] : guard.artifacts);
  const knownDirs = new Set<string>();
  for (const f of known) for (let d = path.posix.dirname(f); d !== '.'; d = path.posix.dirname(d)) knownDirs.add(d);
  const foreign = [...tree.files.filter((f) => !known.has(f)), ...tree.dirs.filter((d) => !knownDirs.has(d))];
  if (foreign.length > 0) {
    const why = marker ? 'holds files kubestrap did not write' : 'was not written by kubestrap';
    throw new UsageError(
      `--out ${shown} ${why} (${listSome(foreign)}); kubestrap replaces its ${noun} as a whole and will not delete them.`,
      `Move those files elsewhere, or ${howToFix.charAt(0).toLowerCase()}${howToFix.slice(1)}`,
    );
  }
  return { exists: true };
}
