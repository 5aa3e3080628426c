/**
 * Child processes of the all-in-one launcher (and of the end-to-end tests):
 * start a TypeScript entry point under tsx, wait for a line, stop it gracefully.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ReadyMessage } from '../readiness';
import { PROJECT_ROOT } from './temporal-cli';

/** A started child with its output kept (last 200 lines) for diagnostics. */
export interface Child {
  name: string;
  process: ChildProcess;
  output: string[];
  /** Print output lines prefixed with `[name]`; may be turned off (e.g. for shutdown noise). */
  echo: boolean;
  /** Lines printed so far (output keeps only the last 200). */
  lineCount: number;
  /** Resolves with the exit code (or signal name) when the process exits. */
  exited: Promise<number | string>;
  /** Resolves when the process announces it is ready over IPC (src/readiness.ts), whatever its log level. */
  ready: Promise<void>;
}

/** Options of {@link startProcess}. */
export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Print each output line prefixed with `[name]` (launcher) instead of keeping it quiet (tests). */
  echo?: boolean;
}

/** Starts a process, collecting its stdout and stderr lines. */
export function startProcess({ name, command, args, env = process.env, echo = false }: StartOptions): Child {
  // An IPC channel besides the pipes: a child announces readiness over it (src/readiness.ts).
  const child = spawn(command, args, { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const output: string[] = [];
  const result: Child = {
    name,
    process: child,
    output,
    echo,
    lineCount: 0,
    exited: Promise.resolve(0),
    ready: new Promise<void>((resolve) => {
      child.on('message', (message: unknown) => {
        if ((message as Partial<ReadyMessage> | null)?.type === 'ready') resolve();
      });
    }),
  };
  // The channel must not keep this process alive either.
  child.channel?.unref();
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (line.length === 0) continue;
      output.push(line);
      result.lineCount++;
      if (output.length > 200) output.shift();
      if (result.echo) process.stdout.write(`[${name}] ${line}\n`);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  result.exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  return result;
}

/** Starts `src/<entry>` (e.g. `api/main.ts`) with Node and the tsx loader. */
export function startEntry(name: string, entry: string, env: NodeJS.ProcessEnv, echo = false): Child {
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  return startProcess({
    name,
    command: process.execPath,
    args: ['--import', tsx, join(PROJECT_ROOT, 'src', entry)],
    env,
    echo,
  });
}

/**
 * Waits until a line of the child's output matches, or it exits, or the time runs out.
 * @throws {Error} with the child's recent output when it exits first or after `timeoutMs`.
 */
export async function waitForOutput(child: Child, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let seen = 0; // lines already checked, counted over the whole life of the process
  let exitCode: number | string | undefined;
  void child.exited.then((code) => {
    exitCode = code;
  });
  while (Date.now() < deadline) {
    const fresh = child.output.slice(Math.max(0, child.output.length - (child.lineCount - seen)));
    seen = child.lineCount;
    const hit = fresh.find((line) => pattern.test(line));
    if (hit !== undefined) return hit;
    if (exitCode !== undefined) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const why = exitCode !== undefined ? `exited with ${exitCode}` : `did not print ${pattern} within ${timeoutMs} ms`;
  throw new Error(`${child.name} ${why}:\n${child.output.join('\n')}`);
}

/**
 * Waits until the child announces it is ready over IPC ({@link Child.ready}), or exits, or the
 * time runs out. Unlike {@link waitForOutput} it does not depend on the child's log level.
 * @throws {Error} with the child's recent output when it exits first or after `timeoutMs`.
 */
export async function waitForReady(child: Child, timeoutMs = 60_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    child.ready.then(() => 'ready' as const),
    child.exited.then((code) => `exited with ${code}`),
    new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`was not ready within ${timeoutMs} ms`), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if (outcome !== 'ready') throw new Error(`${child.name} ${outcome}:\n${child.output.join('\n')}`);
}

/** Sends SIGTERM (then SIGKILL after `graceMs`) and waits for the exit. */
export async function stopProcess(child: Child, graceMs = 15_000): Promise<number | string> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return child.exited;
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
  try {
    return await child.exited;
  } finally {
    clearTimeout(timer);
  }
}
