/** defineHandler, the handler registry, HANDLER_MODULES loading and the submit-time name check. */
import pino from 'pino';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import {
  defineHandler,
  demoHandlers,
  handlerRegistry,
  handlersOfModule,
  isHandlerDefinition,
} from '../../src/activities/handlers';
import { createApp } from '../../src/api/app';
import { handlerNameGuard, isKnownHandler, parseHandlerNames } from '../../src/api/handler-names';
import { createTemporalClient } from '../../src/api/temporal-client';
import { loadConfig } from '../../src/config';
import { loadHandlers } from '../../src/workers/main';
import { ALICE, testAuth } from '../helpers/api-keys';

const noop = async () => undefined;

describe('defineHandler', () => {
  it('returns a frozen named definition', () => {
    const def = defineHandler('reports.nightly', noop);
    expect(def).toMatchObject({ kind: 'job-handler', name: 'reports.nightly', run: noop });
    expect(Object.isFrozen(def)).toBe(true);
    expect(isHandlerDefinition(def)).toBe(true);
  });

  it.each(['', 'has space', 'a/b', 'x'.repeat(201)])('refuses the name %j', (name) => {
    expect(() => defineHandler(name, noop)).toThrow(TypeError);
  });

  it.each([null, undefined, 1, {}, { kind: 'job-handler' }, { kind: 'other', run: noop }])(
    'isHandlerDefinition(%j) is false',
    (value) => {
      expect(isHandlerDefinition(value)).toBe(false);
    },
  );
});

describe('handlerRegistry', () => {
  it('merges registries and definitions, later names replacing earlier ones', () => {
    const echo = defineHandler('demo.echo', noop);
    const registry = handlerRegistry(demoHandlers, echo, defineHandler('a.b', noop));
    expect([...registry.keys()].sort()).toEqual(['a.b', 'demo.echo', 'demo.fail', 'demo.sleep']);
    expect(registry.get('demo.echo')).toBe(noop);
  });

  it('refuses two definitions with one name', () => {
    expect(() => handlerRegistry(defineHandler('a', noop), defineHandler('a', noop))).toThrow(/defined twice/);
  });
});

describe('handlersOfModule and loadHandlers (HANDLER_MODULES)', () => {
  it('finds definitions exported alone or in arrays, once each', () => {
    const one = defineHandler('one', noop);
    const two = defineHandler('two', noop);
    expect(handlersOfModule({ one, list: [two, one, 'x'], other: 3 }).map((d) => d.name)).toEqual(['one', 'two']);
  });

  it('loads the example module next to the demo handlers', () => {
    const registry = loadHandlers(' examples/process-items.ts , ');
    expect(registry.has('examples.process-items')).toBe(true);
    expect(registry.has('demo.echo')).toBe(true);
  });

  it('without modules: the demo handlers', () => {
    expect([...loadHandlers(undefined).keys()]).toEqual([...demoHandlers.keys()]);
  });

  it('refuses a module that exports no handler', () => {
    expect(() => loadHandlers('test/fixtures/handlers/no-handlers.ts')).toThrow(/exports no defineHandler/);
  });
});

describe('the example handler', () => {
  it('resumes at the checkpoint and checkpoints every item', async () => {
    const { processItems } = await import('../../examples/process-items');
    const checkpoints: unknown[] = [];
    const log = { info: noop, warn: noop, error: noop, debug: noop };
    const result = await processItems.run(
      { count: 4, item_ms: 0 },
      {
        jobId: 'j',
        idempotencyKey: 'j:t',
        scheduledTime: 't',
        attempt: 2,
        workerId: 'w',
        signal: new AbortController().signal,
        lastCheckpoint: { next: 2 },
        checkpoint: (state) => checkpoints.push(state),
        logger: log,
      },
    );
    expect(result).toEqual({ processed: 2, resumed_from: 2 });
    expect(checkpoints).toEqual([{ next: 3 }, { next: 4 }]);
  });
});

describe('HANDLER_NAMES: submit-time check', () => {
  it('parses names and prefix patterns', () => {
    expect(parseHandlerNames(undefined)).toBeUndefined();
    expect(parseHandlerNames(' , ')).toBeUndefined();
    expect(parseHandlerNames('demo.*, reports.nightly')).toEqual(['demo.*', 'reports.nightly']);
    expect(isKnownHandler('demo.echo', ['demo.*'])).toBe(true);
    expect(isKnownHandler('reports.nightly', ['reports.nightly'])).toBe(true);
    expect(isKnownHandler('reports.weekly', ['reports.nightly', 'demo.*'])).toBe(false);
  });

  const client = createTemporalClient('127.0.0.1:1', 'default');
  const app = createApp({
    client,
    taskQueue: 'test',
    logger: pino({ level: 'silent' }),
    auth: testAuth(),
    handlerNames: ['demo.*'],
  });
  afterAll(async () => {
    await client.connection.close();
  });

  it('POST /jobs with an unknown handler name is a 400 naming payload.name', async () => {
    const res = await request(app)
      .post('/jobs')
      .set('Authorization', `Bearer ${ALICE.key}`)
      .send({
        name: 'x',
        frequency: 'once',
        execution_time: '2026-01-01T00:00:00Z',
        payload: { type: 'handler', name: 'reports.nightly' },
      });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'payload.name', message: expect.stringMatching(/reports\.nightly/) }]);
  });

  it('passes known names and other payloads on to validation', async () => {
    const res = await request(app)
      .post('/jobs')
      .set('Authorization', `Bearer ${ALICE.key}`)
      .send({ payload: { type: 'handler', name: 'demo.echo' } });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).not.toContain('payload.name');
    const guard = handlerNameGuard(undefined);
    let passed = false;
    guard({ body: { payload: { type: 'handler', name: 'any' } } } as never, {} as never, () => {
      passed = true;
    });
    expect(passed).toBe(true);
  });
});

describe('execution service configuration', () => {
  it('has defaults', () => {
    expect(loadConfig({})).toMatchObject({
      MAX_CONCURRENT_EXECUTIONS: 100,
      SHUTDOWN_GRACE: '10s',
      WORKER_HEARTBEAT_INTERVAL: '5s',
    });
    expect(loadConfig({}).EXECUTIONS_PER_SECOND).toBeUndefined();
  });

  it('parses limits', () => {
    expect(
      loadConfig({
        MAX_CONCURRENT_EXECUTIONS: '2',
        EXECUTIONS_PER_SECOND: '0.5',
        TASK_QUEUE_EXECUTIONS_PER_SECOND: '10',
      }),
    ).toMatchObject({ MAX_CONCURRENT_EXECUTIONS: 2, EXECUTIONS_PER_SECOND: 0.5, TASK_QUEUE_EXECUTIONS_PER_SECOND: 10 });
  });

  it.each([
    ['MAX_CONCURRENT_EXECUTIONS', '0'],
    ['EXECUTIONS_PER_SECOND', '-1'],
    ['SHUTDOWN_GRACE', 'soon'],
    ['WORKER_HEARTBEAT_INTERVAL', '500ms'],
    ['WORKER_HEARTBEAT_INTERVAL', '2m'],
  ])('refuses %s=%s naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
  });
});
