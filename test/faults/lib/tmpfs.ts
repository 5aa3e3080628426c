/**
 * A small tmpfs for the full-disk scenario (needs root or CAP_SYS_ADMIN), and a filler file that
 * takes its free space.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmdirSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A mounted tmpfs. */
export interface Tmpfs {
  dir: string;
  /** Free bytes now. */
  free(): number;
  /** Unmounts it and removes the mount point. */
  unmount(): void;
}

/**
 * Mounts a tmpfs of `sizeMiB` MiB on a fresh folder under the temp dir.
 * @throws {Error} when it cannot be mounted (not root, no CAP_SYS_ADMIN), with mount's message.
 */
export function mountTmpfs(sizeMiB: number): Tmpfs {
  const dir = mkdtempSync(join(tmpdir(), 'faults-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    rmdirSync(dir);
    throw new Error(`cannot mount a tmpfs on ${dir}: ${(err as Error).message}`);
  }
  return {
    dir,
    free() {
      const s = statfsSync(dir);
      return s.bavail * s.bsize;
    },
    unmount() {
      execFileSync('umount', [dir], { stdio: 'pipe' });
      rmdirSync(dir);
    },
  };
}

/**
 * Writes `path` until the file system is full (ENOSPC), 1 MiB then smaller chunks down to 4 KiB.
 * @returns the bytes written.
 * @throws {Error} any other write error.
 */
export function fillUp(path: string): number {
  const fd = openSync(path, 'w');
  let written = 0;
  try {
    for (let chunk = 1 << 20; chunk >= 4096; ) {
      try {
        written += writeSync(fd, Buffer.alloc(chunk, 0xa5));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
        chunk >>= 1;
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

/** Deletes a filler file written by {@link fillUp}. */
export function removeFiller(path: string): void {
  rmSync(path, { force: true });
}
