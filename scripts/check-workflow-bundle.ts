/**
 * Sandbox check: bundles src/workflows the way the worker does. The Temporal
 * bundler fails when workflow code (or a library it uses) imports a Node
 * built-in or another module that is not allowed in the deterministic sandbox.
 * Run by `npm run check` (and so by CI).
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowBundleOptions } from '../src/workers/workflow-bundle';

async function main(): Promise<void> {
  const started = Date.now();
  const { code } = await bundleWorkflowCode({
    ...workflowBundleOptions(),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
  });
  console.log(`workflow bundle ok: ${(code.length / 1024).toFixed(0)} KiB in ${Date.now() - started} ms`);
}

main().catch((err) => {
  console.error(`workflow bundle check failed: ${(err as Error).message}`);
  process.exit(1);
});
