/** Reading processes from /proc in tests (Linux): children of a process and command lines. */
import { readdirSync, readFileSync } from 'node:fs';

/** Process ids whose parent is `ppid` (from /proc). */
export function childPids(ppid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid;
      } catch {
        return false; // exited meanwhile
      }
    });
}

/** The command line of a process, arguments joined by spaces ('' once it has exited). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}
