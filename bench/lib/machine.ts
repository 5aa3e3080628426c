/** Describes the machine and versions a benchmark ran with (for BENCHMARKS.md). */
import { execFileSync } from 'node:child_process';
import { arch, availableParallelism, cpus, release, totalmem, type } from 'node:os';
import type { MachineInfo } from './report';

/**
 * Cores, CPU model, memory, OS, Node version and `temporal --version`.
 * @param cliPath the `temporal` CLI; its version is `unknown` when it cannot be run.
 */
export function machineInfo(cliPath: string | null): MachineInfo {
  let temporal = 'Temporal CLI unknown';
  if (cliPath !== null) {
    try {
      temporal =
        execFileSync(cliPath, ['--version'], { encoding: 'utf8', timeout: 10_000 }).split('\n')[0]?.trim() ?? temporal;
    } catch {
      // keep unknown
    }
  }
  return {
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown CPU',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    temporal,
    os: `${type()} ${release()} ${arch()}`,
  };
}
