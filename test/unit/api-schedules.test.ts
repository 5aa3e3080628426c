/**
 * `POST /schedules/preview` on the app itself (supertest). The preview never touches Temporal:
 * the client points at 127.0.0.1:1, where nothing listens.
 */
import pino from 'pino';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app';
import { createTemporalClient } from '../../src/api/temporal-client';
import { ALICE, testAuth } from '../helpers/api-keys';

const NOW = Date.parse('2026-11-23T10:07:30.250Z');
const client = createTemporalClient('127.0.0.1:1', 'default');
const app = createApp({
  client,
  taskQueue: 'test',
  logger: pino({ level: 'silent' }),
  auth: testAuth(),
  now: () => NOW,
});

afterAll(async () => {
  await client.connection.close();
});

const preview = (body: unknown) =>
  request(app)
    .post('/schedules/preview')
    .set('Authorization', `Bearer ${ALICE.key}`)
    .send(body as object);

function expectFieldError(res: request.Response, field: string): void {
  expect(res.status).toBe(400);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.type).toBe('/problems/validation-error');
  expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
}

describe('POST /schedules/preview', () => {
  it('returns the next 5 run times from now by default', async () => {
    const res = await preview({ frequency: 'cron', cron: '*/15 * * * *' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      run_times: [
        '2026-11-23T10:15:00.000Z',
        '2026-11-23T10:30:00.000Z',
        '2026-11-23T10:45:00.000Z',
        '2026-11-23T11:00:00.000Z',
        '2026-11-23T11:15:00.000Z',
      ],
    });
  });

  it('applies the DST policy (Berlin, 2026-10-25: 02:23 runs once)', async () => {
    const res = await preview({
      frequency: 'cron',
      cron: '23 0-20/2 * * *',
      timezone: 'Europe/Berlin',
      from: '2026-10-25T00:00:00+02:00',
      count: 3,
    });
    expect(res.body.run_times).toEqual([
      '2026-10-24T22:23:00.000Z',
      '2026-10-25T00:23:00.000Z',
      '2026-10-25T03:23:00.000Z',
    ]);
  });

  it('weekly on chosen days at the local time of execution_time', async () => {
    const res = await preview({
      frequency: 'weekly',
      execution_time: '2026-11-02T09:30:00+01:00',
      days_of_week: ['mon', 'thu'],
      timezone: 'Europe/Paris',
      from: '2026-11-03T00:00:00Z',
      count: 3,
    });
    expect(res.body.run_times).toEqual([
      '2026-11-05T08:30:00.000Z',
      '2026-11-09T08:30:00.000Z',
      '2026-11-12T08:30:00.000Z',
    ]);
  });

  it('an interval without execution_time is anchored at from (whole seconds)', async () => {
    const res = await preview({ frequency: 'interval', every: '90s', count: 3 });
    expect(res.body.run_times).toEqual([
      '2026-11-23T10:07:30.000Z',
      '2026-11-23T10:09:00.000Z',
      '2026-11-23T10:10:30.000Z',
    ]);
  });

  it('honours start_at, end_at and max_runs', async () => {
    const windowed = await preview({
      frequency: 'cron',
      cron: '0 * * * *',
      start_at: '2026-12-01T00:30:00Z',
      end_at: '2026-12-01T03:00:00Z',
      count: 10,
    });
    expect(windowed.body.run_times).toEqual([
      '2026-12-01T01:00:00.000Z',
      '2026-12-01T02:00:00.000Z',
      '2026-12-01T03:00:00.000Z',
    ]);
    const capped = await preview({ frequency: 'cron', cron: '0 * * * *', max_runs: 2, count: 10 });
    expect(capped.body.run_times).toHaveLength(2);
  });

  it('a schedule that has ended by `from` has no run times', async () => {
    const res = await preview({ frequency: 'cron', cron: '0 * * * *', end_at: '2026-01-01T00:00:00Z' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ run_times: [] });
  });

  it('a once job past its time runs at once: its (past) time is the one run time', async () => {
    const res = await preview({ frequency: 'once', execution_time: '2026-11-01T00:00:00Z' });
    expect(res.body.run_times).toEqual(['2026-11-01T00:00:00.000Z']);
  });

  it('returns up to 100 run times', async () => {
    const res = await preview({ frequency: 'cron', cron: '* * * * * *', count: 100 });
    expect(res.body.run_times).toHaveLength(100);
    expect(res.body.run_times[99]).toBe('2026-11-23T10:09:10.000Z');
  });

  it.each<[string, string, Record<string, unknown>]>([
    ['count 101', 'count', { frequency: 'cron', cron: '* * * * *', count: 101 }],
    ['count 0', 'count', { frequency: 'cron', cron: '* * * * *', count: 0 }],
    ['from without a zone', 'from', { frequency: 'cron', cron: '* * * * *', from: '2026-01-01T00:00:00' }],
    ['unknown time zone', 'timezone', { frequency: 'cron', cron: '* * * * *', timezone: 'Mars/Base' }],
    ['a cron that never fires', 'cron', { frequency: 'cron', cron: '0 0 31 4 *' }],
    ['a cron with "?"', 'cron', { frequency: 'cron', cron: '0 0 ? * *' }],
    [
      'a cron with no run between start_at and end_at',
      'end_at',
      { frequency: 'cron', cron: '0 0 1 1 *', start_at: '2026-02-01T00:00:00Z', end_at: '2026-12-01T00:00:00Z' },
    ],
    [
      'a once job outside its window',
      'execution_time',
      { frequency: 'once', execution_time: '2026-01-01T00:00:00Z', start_at: '2026-02-01T00:00:00Z' },
    ],
    [
      'end_at before start_at',
      'end_at',
      { frequency: 'interval', every: '1m', start_at: '2026-02-01T00:00:00Z', end_at: '2026-01-01T00:00:00Z' },
    ],
    [
      'days_of_week on a daily job',
      'days_of_week',
      { frequency: 'daily', execution_time: '2026-01-01T00:00:00Z', days_of_week: ['mon'] },
    ],
    ['weekly without execution_time', 'execution_time', { frequency: 'weekly' }],
    ['jitter "soon"', 'jitter', { frequency: 'cron', cron: '* * * * *', jitter: 'soon' }],
    ['a job field that is not a schedule field', 'payload', { frequency: 'cron', cron: '* * * * *', payload: {} }],
  ])('%s → 400 naming %j', async (_case, field, body) => {
    expectFieldError(await preview(body), field);
  });

  it('refuses a body that is not JSON (415)', async () => {
    const res = await request(app)
      .post('/schedules/preview')
      .set('Authorization', `Bearer ${ALICE.key}`)
      .type('text/plain')
      .send('cron=* * * * *');
    expect(res.status).toBe(415);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
