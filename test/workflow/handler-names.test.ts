/**
 * handlerNamesWorkflow on the time-skipping test server: it answers with the handler names the
 * worker that runs it registers (its `handlerNames` local activity), as `GET /handlers` reads them.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { createActivities, handlerRegistry } from '../../src/activities';
import { defineHandler } from '../../src/activities/handlers';
import type { handlerNamesWorkflow } from '../../src/workflows';
import { installQuietRuntime, jobWorkflowBundle, testSlug, useWorkflowTestEnv } from '../helpers/workflow-harness';

let env: TestWorkflowEnvironment;
useWorkflowTestEnv((started) => {
  env = started;
});

describe('handlerNamesWorkflow', () => {
  it("answers the names of the running worker's handlers, sorted", async () => {
    const taskQueue = testSlug();
    installQuietRuntime();
    const handlers = handlerRegistry(
      defineHandler('reports.nightly', async () => undefined),
      defineHandler('billing.close', async () => undefined),
    );
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await jobWorkflowBundle(),
      activities: createActivities({ workerIdentity: 'names-test', handlers }),
    });
    const names = await worker.runUntil(
      env.client.workflow.execute<typeof handlerNamesWorkflow>('handlerNamesWorkflow', {
        taskQueue,
        workflowId: `${taskQueue}-names`,
      }),
    );
    expect(names).toEqual(['billing.close', 'reports.nightly']);
  });
});
