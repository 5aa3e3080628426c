/** Workflow of scripts/timer-probe/main.ts: sleeps for each duration and reports how long each took (workflow clock). */
import { sleep } from '@temporalio/workflow';

export async function timerProbe(durationsMs: number[]): Promise<number[]> {
  const took: number[] = [];
  for (const ms of durationsMs) {
    const before = Date.now();
    await sleep(ms);
    took.push(Date.now() - before);
  }
  return took;
}
