/**
 * Where `init` writes, checked before a single question is asked or a byte written: each target
 * must be a regular file or not exist yet, its parent must be (or become) a directory, and the
 * configuration and the decision record must be two different files.
 */
import { constants } from 'node:fs';
import { access, realpath, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import { printable } from '../config/text.js';
import { UsageError } from '../errors.js';

export interface InitTarget {
  file: string;
  /** How the user named it, e.g. `--config` or `--decisions`. */
  flag: string;
  /** The file as shown to the user. */
  shown: string;
}

export async function checkInitTargets(config: InitTarget, decisions: InitTarget): Promise<void> {
  if (await sameFile(config.file, decisions.file)) {
    throw new UsageError(
      `${config.flag} and ${decisions.flag} both name ${printable(config.shown)}; the configuration and the decision record are two files`,
      `Pass ${decisions.flag} a different file, e.g. ${path.join(path.dirname(config.shown), 'docs', 'decisions.md')}.`,
    );
  }
  for (const target of [config, decisions]) await checkTarget(target);
}

async function checkTarget({ file, flag, shown }: InitTarget): Promise<void> {
  const info = await stat(file).catch(() => undefined);
  if (info?.isDirectory()) {
    throw new UsageError(
      `${flag} ${printable(shown)} is a directory; init writes a file there`,
      `Name a file, e.g. ${flag} ${printable(path.join(shown, path.basename(defaultName(flag))))}.`,
    );
  }
  if (info && !info.isFile()) {
    throw new UsageError(
      `${flag} ${printable(shown)} is not a regular file (a device, socket or pipe)`,
      `Name a regular file for ${flag}.`,
    );
  }
  // The nearest part of the path that exists must be a directory kubestrap may write into.
  let dir = path.dirname(file);
  for (;;) {
    const parent = await stat(dir).catch((error: NodeJS.ErrnoException) =>
      error.code === 'ENOENT' || error.code === 'ENOTDIR' ? undefined : error,
    );
    if (parent instanceof Error) {
      throw new UsageError(
        `${flag} ${printable(shown)}: ${printable(dir)} cannot be read (${parent.code ?? parent.message})`,
        `Check the permissions of ${printable(dir)}, or pass ${flag} another path.`,
      );
    }
    if (parent) {
      if (!parent.isDirectory()) {
        throw new UsageError(
          `${flag} ${printable(shown)}: ${printable(dir)} is a file, not a directory, so nothing can be created under it`,
          `Pass ${flag} a path whose directories are directories (or move ${printable(dir)} away).`,
        );
      }
      const pseudo = await pseudoFileSystem(dir);
      if (pseudo)
        throw new UsageError(
          `${flag} ${printable(shown)}: ${printable(dir)} is on ${pseudo}, a kernel file system that holds no files of yours`,
          `Pass ${flag} a path in your project.`,
        );
      const writable = await access(dir, constants.W_OK).then(
        () => true,
        () => false,
      );
      if (!writable)
        throw new UsageError(
          `${flag} ${printable(shown)}: the directory ${printable(dir)} is not writable`,
          `Pass ${flag} a path in a directory you can write to, or fix the permissions of ${printable(dir)}.`,
        );
      return;
    }
    const up = path.dirname(dir);
    if (up === dir) return;
    dir = up;
  }
}

/** statfs types of kernel file systems (linux/magic.h) where nothing kubestrap writes belongs. */
const pseudoTypes: Record<number, string> = {
  0x9fa0: 'procfs',
  0x62656572: 'sysfs',
  0x63677270: 'cgroup2',
  0x27e0eb: 'cgroup',
  0x64626720: 'debugfs',
  0x74726163: 'tracefs',
  0x73636673: 'securityfs',
  0x1cd1: 'devpts',
  0xcafe4a11: 'bpf',
  0x6165676c: 'pstore',
  0x62656570: 'configfs',
  0xde5e81e4: 'efivarfs',
};

async function pseudoFileSystem(dir: string): Promise<string | undefined> {
  const info = await statfs(dir).catch(() => undefined);
  return info ? pseudoTypes[Number(info.type)] : undefined;
}

function defaultName(flag: string): string {
  return flag === '--decisions' ? 'decisions.md' : 'kubestrap.yaml';
}

/** The same file by path, by resolved symlinks, or (when both exist) by inode. */
async function sameFile(a: string, b: string): Promise<boolean> {
  if (path.resolve(a) === path.resolve(b)) return true;
  const [ra, rb] = await Promise.all([resolveExisting(a), resolveExisting(b)]);
  if (ra === rb) return true;
  const [sa, sb] = await Promise.all([stat(a).catch(() => undefined), stat(b).catch(() => undefined)]);
  return Boolean(sa && sb && sa.dev === sb.dev && sa.ino === sb.ino);
}

/** The path with symlinks resolved as far as it exists. */
async function resolveExisting(file: string): Promise<string> {
  const absolute = path.resolve(file);
  const real = await realpath(absolute).catch(() => undefined);
  if (real) return real;
  const parent = path.dirname(absolute);
  return parent === absolute ? absolute : path.join(await resolveExisting(parent), path.basename(absolute));
}
