/**
 * Payload encryption (src/codec): the AES-256-GCM codec (round trip, a fresh IV each time, key
 * rotation, unknown key id, altered data, unencrypted payloads passing through), the key list
 * (PAYLOAD_KEYS / PAYLOAD_KEYS_FILE and the config schema), the ownership rule, and the codec
 * server routes on an in-process app (no Temporal server: job owners come from a stub).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { problemHandler } from '../../src/api/problem';
import { createTemporalClient } from '../../src/api/temporal-client';
import { parsePayloadKeys } from '../../src/codec/keys';
import { ownerEvidence, PayloadAccess } from '../../src/codec/ownership';
import {
  AesGcmPayloadCodec,
  dataConverterOf,
  ENCRYPTED_ENCODING,
  isEncryptedPayload,
  METADATA_KEY_ID,
  PayloadDecryptionError,
  payloadCodecFromConfig,
} from '../../src/codec/payload-codec';
import { CODEC_COOKIE, codecRouter } from '../../src/codec/routes';
import { ConfigError, loadConfig } from '../../src/config';
import { devCodecEndpoint } from '../../src/dev/main';
import { ensureDevPayloadKey } from '../../src/dev/payload-key';
import { ADMIN, ALICE, BOB, bearer, testAuth } from '../helpers/api-keys';

const KEY_OLD = randomBytes(32).toString('base64');
const KEY_NEW = randomBytes(32).toString('base64');
const toPayload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const fromPayload = (payload: Payload): unknown => defaultPayloadConverter.fromPayload(payload);
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');

describe('AesGcmPayloadCodec', () => {
  const codec = new AesGcmPayloadCodec(parsePayloadKeys(`k2:${KEY_NEW},k1:${KEY_OLD}`));
  const secret = { spec: { job_id: 'job_1', user_id: 'alice', headers: { Authorization: 'Bearer s3cr3t' } } };

  it('round trip: the encoded payload hides the value, says binary/encrypted and the key id, and decodes to the original', async () => {
    const plain = toPayload(secret);
    const [encoded] = (await codec.encode([plain])) as [Payload];
    expect(text(encoded.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encoded.metadata?.[METADATA_KEY_ID])).toBe('k2');
    expect(Object.keys(encoded.metadata ?? {}).sort()).toEqual(['encoding', METADATA_KEY_ID].sort());
    expect(Buffer.from(encoded.data ?? []).includes('s3cr3t')).toBe(false);
    expect(Buffer.from(encoded.data ?? []).includes('json/plain')).toBe(false);
    const [decoded] = (await codec.decode([encoded])) as [Payload];
    expect(text(decoded.metadata?.encoding)).toBe('json/plain');
    expect(fromPayload(decoded)).toEqual(secret);
  });

  it('a fresh 12-byte IV for every payload: the same value encrypts differently each time', async () => {
    const [a, b] = (await codec.encode([toPayload('same'), toPayload('same')])) as [Payload, Payload];
    expect(Buffer.from(a.data ?? []).equals(Buffer.from(b.data ?? []))).toBe(false);
    expect(
      Buffer.from(a.data ?? [])
        .subarray(0, 12)
        .equals(Buffer.from(b.data ?? []).subarray(0, 12)),
    ).toBe(false);
    // IV ‖ ciphertext (as long as the serialized payload) ‖ 16-byte tag
    const inner = temporal.api.common.v1.Payload.encode(toPayload('same')).finish().length;
    expect(a.data?.length).toBe(12 + inner + 16);
  });

  it('rotation: the first key encrypts; a payload of the old key decrypts while the old key is listed second', async () => {
    const before = new AesGcmPayloadCodec(parsePayloadKeys(`k1:${KEY_OLD}`));
    const [old] = (await before.encode([toPayload({ n: 1 })])) as [Payload];
    expect(text(old.metadata?.[METADATA_KEY_ID])).toBe('k1');
    const [decoded] = (await codec.decode([old])) as [Payload];
    expect(fromPayload(decoded)).toEqual({ n: 1 });
    const [fresh] = (await codec.encode([toPayload({ n: 2 })])) as [Payload];
    expect(text(fresh.metadata?.[METADATA_KEY_ID])).toBe('k2');
    // The old deployment cannot read what the new key wrote: a clear error names the key id.
    await expect(before.decode([fresh])).rejects.toThrow(
      /key id "k2", which is not among the configured payload keys \(k1\)/,
    );
  });

  it('an unknown key id and altered data throw PayloadDecryptionError with a reason', async () => {
    const [encoded] = (await codec.encode([toPayload(secret)])) as [Payload];
    const other = new AesGcmPayloadCodec(parsePayloadKeys(`k9:${KEY_OLD}`));
    const unknown = await other.decode([encoded]).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(PayloadDecryptionError);
    expect((unknown as PayloadDecryptionError).reason).toBe('unknown-key');

    for (const at of [0, 20, (encoded.data?.length ?? 0) - 1]) {
      const data = Buffer.from(encoded.data ?? []);
      data[at] = (data[at] ?? 0) ^ 1;
      const tampered = await codec.decode([{ ...encoded, data }]).catch((e: unknown) => e);
      expect(tampered, `byte ${at}`).toBeInstanceOf(PayloadDecryptionError);
      expect((tampered as PayloadDecryptionError).reason).toBe('tampered');
      expect((tampered as Error).message).toMatch(/does not decrypt with key "k2"/);
    }
    // The key id is authenticated too: relabelling a payload for another listed key fails.
    const relabelled = { ...encoded, metadata: { ...encoded.metadata, [METADATA_KEY_ID]: Buffer.from('k1') } };
    await expect(codec.decode([relabelled])).rejects.toMatchObject({ reason: 'tampered' });
    const short = { ...encoded, data: Buffer.alloc(10) };
    await expect(codec.decode([short])).rejects.toMatchObject({ reason: 'malformed' });
    const noId = { ...encoded, metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING) } };
    await expect(codec.decode([noId])).rejects.toMatchObject({ reason: 'malformed' });
  });

  it('a payload that is not encrypted passes through decode unchanged (histories from before encryption)', async () => {
    const plain = toPayload(secret);
    const nothing = toPayload(undefined);
    const decoded = await codec.decode([plain, nothing]);
    expect(decoded[0]).toBe(plain);
    expect(decoded[1]).toBe(nothing);
    expect(isEncryptedPayload(plain)).toBe(false);
  });
});

describe('payload keys: PAYLOAD_KEYS, PAYLOAD_KEYS_FILE, config', () => {
  it('parses ids and 32-byte keys in order, commas, lines and # comments alike', () => {
    const keys = parsePayloadKeys(`# newest first\nk2:${KEY_NEW}\n\nk1:${KEY_OLD} # old`);
    expect(keys.map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(keys[0]?.key.length).toBe(32);
    expect(parsePayloadKeys(`a:${KEY_NEW}, b:${KEY_OLD}`).map((k) => k.id)).toEqual(['a', 'b']);
    expect(parsePayloadKeys('  ')).toEqual([]);
  });

  it('refuses bad entries by position and id, never echoing key material', () => {
    const short = randomBytes(16).toString('base64');
    expect(() => parsePayloadKeys(`k1:${short}`)).toThrow(/entry 1 \(id "k1"\): .*32 bytes.*got 16 bytes/);
    expect(() => parsePayloadKeys(`k1:${KEY_NEW},k1:${KEY_OLD}`)).toThrow(/entry 2: key id "k1" is listed twice/);
    expect(() => parsePayloadKeys(KEY_NEW)).toThrow(/entry 1 is not <key-id>:<base64 key>/);
    expect(() => parsePayloadKeys(`bad id!:${KEY_NEW}`)).toThrow(/entry 1/);
    expect(() => parsePayloadKeys('k1:not*base64')).toThrow(/base64/);
    try {
      parsePayloadKeys(`k1:${short}`);
    } catch (err) {
      expect((err as Error).message).not.toContain(short);
    }
  });

  it('the config schema checks PAYLOAD_KEYS at start and names the variable', () => {
    expect(loadConfig({ PAYLOAD_KEYS: `k1:${KEY_NEW}` }).PAYLOAD_KEYS).toBe(`k1:${KEY_NEW}`);
    expect(() => loadConfig({ PAYLOAD_KEYS: 'k1:abc' })).toThrow(ConfigError);
    expect(() => loadConfig({ PAYLOAD_KEYS: 'k1:abc' })).toThrow(/PAYLOAD_KEYS: entry 1 \(id "k1"\)/);
    expect(() => loadConfig({ PAYLOAD_KEYS: ' ' })).toThrow(/PAYLOAD_KEYS: holds no key/);
  });

  it('payloadCodecFromConfig: none when unset, from the variable or the file, errors naming the variable', () => {
    expect(payloadCodecFromConfig({})).toBeNull();
    expect(dataConverterOf(null)).toEqual({});
    expect(payloadCodecFromConfig({ PAYLOAD_KEYS: `k1:${KEY_NEW}` })?.encryptKeyId).toBe('k1');
    const dir = mkdtempSync(join(tmpdir(), 'payload-keys-'));
    try {
      const file = join(dir, 'keys');
      writeFileSync(file, `k3:${KEY_NEW}\nk1:${KEY_OLD}\n`, { mode: 0o600 });
      const codec = payloadCodecFromConfig({ PAYLOAD_KEYS_FILE: file });
      expect(codec?.keyIds).toEqual(['k3', 'k1']);
      expect(dataConverterOf(codec)).toEqual({ payloadCodecs: [codec] });
      writeFileSync(file, '# nothing yet\n');
      expect(() => payloadCodecFromConfig({ PAYLOAD_KEYS_FILE: file })).toThrow(/PAYLOAD_KEYS_FILE: holds no key/);
      writeFileSync(file, 'k1:short');
      expect(() => payloadCodecFromConfig({ PAYLOAD_KEYS_FILE: file })).toThrow(/PAYLOAD_KEYS_FILE: entry 1/);
      chmodSync(file, 0o000);
      if (process.getuid?.() !== 0) {
        expect(() => payloadCodecFromConfig({ PAYLOAD_KEYS_FILE: file })).toThrow(/PAYLOAD_KEYS_FILE: cannot read/);
      }
      expect(() => payloadCodecFromConfig({ PAYLOAD_KEYS_FILE: join(dir, 'missing') })).toThrow(/ENOENT/);
      expect(() => payloadCodecFromConfig({ PAYLOAD_KEYS: `k1:${KEY_NEW}`, PAYLOAD_KEYS_FILE: file })).toThrow(
        /not both/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('npm start: the dev key and the Web UI codec endpoint', () => {
  it('creates DATA_DIR/payload-keys once (mode 0600, one valid key), keeps it, narrows a loose mode', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dev-key-'));
    try {
      const first = ensureDevPayloadKey(join(dir, 'data'), Date.parse('2026-03-04T00:00:00Z'));
      expect(first).toMatchObject({ created: true, tightened: false });
      expect(statSync(first.path).mode & 0o777).toBe(0o600);
      const text = readFileSync(first.path, 'utf8');
      expect(parsePayloadKeys(text).map((k) => k.id)).toEqual(['dev-20260304']);
      expect(payloadCodecFromConfig({ PAYLOAD_KEYS_FILE: first.path })?.encryptKeyId).toBe('dev-20260304');
      chmodSync(first.path, 0o644);
      const again = ensureDevPayloadKey(join(dir, 'data'));
      expect(again).toMatchObject({ path: first.path, created: false, tightened: true });
      expect(readFileSync(first.path, 'utf8')).toBe(text);
      expect(statSync(first.path).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the codec endpoint is the API on loopback when it listens on every address', () => {
    expect(devCodecEndpoint({ API_HOST: '127.0.0.1', API_PORT: 3000 })).toBe('http://127.0.0.1:3000/codec');
    expect(devCodecEndpoint({ API_HOST: '0.0.0.0', API_PORT: 3001 })).toBe('http://127.0.0.1:3001/codec');
    expect(devCodecEndpoint({ API_HOST: '::1', API_PORT: 3002 })).toBe('http://[::1]:3002/codec');
  });
});

describe('ownership of decoded payloads', () => {
  const job = (id: string, user: string) => ({ job_id: id, user_id: user, name: 'n' });
  it('reads spec.user_id (workflow input, describe answer), job_id (activity inputs), binary/null, nothing else', () => {
    expect(ownerEvidence(toPayload({ spec: job('j1', 'alice') }))).toEqual({ kind: 'user', user_id: 'alice' });
    expect(ownerEvidence(toPayload({ job_id: 'j1', payload: {} }))).toEqual({ kind: 'job', job_id: 'j1' });
    expect(ownerEvidence(toPayload(null))).toEqual({ kind: 'empty' });
    expect(ownerEvidence(toPayload(undefined))).toEqual({ kind: 'empty' });
    for (const other of [{ attempt: 1, worker_id: 'w' }, 'a summary', [1], { user_id: 'alice' }, { args: {} }]) {
      expect(ownerEvidence(toPayload(other))).toEqual({ kind: 'none' });
    }
    expect(ownerEvidence({ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{') })).toEqual({
      kind: 'none',
    });
    expect(ownerEvidence({ metadata: { encoding: Buffer.from('binary/plain') }, data: Buffer.from('x') })).toEqual({
      kind: 'none',
    });
  });

  it('an admin reads all; a user only their jobs; owners are looked up once; lookups are capped', async () => {
    const asked: string[] = [];
    const access = new PayloadAccess(async (id) => {
      asked.push(id);
      return id.startsWith('a-') ? 'alice' : id === 'gone' ? undefined : 'bob';
    });
    const payloads = [
      toPayload({ spec: job('a-1', 'alice') }),
      toPayload({ spec: job('b-1', 'bob') }),
      toPayload({ job_id: 'a-2' }),
      toPayload({ job_id: 'b-2' }),
      toPayload({ job_id: 'a-2' }),
      toPayload({ job_id: 'gone' }),
      toPayload({ attempt: 1 }),
      toPayload(null),
    ];
    expect(await access.readable(ALICE, payloads)).toEqual([true, false, true, false, true, false, false, true]);
    expect(asked.sort()).toEqual(['a-2', 'b-2', 'gone']);
    expect(await access.readable(BOB, payloads)).toEqual([false, true, false, true, false, false, false, true]);
    expect(asked.filter((id) => id === 'a-2')).toHaveLength(1); // cached
    expect(asked.filter((id) => id === 'gone')).toHaveLength(2); // not found: asked again
    expect(await access.readable(ADMIN, payloads)).toEqual(payloads.map(() => true));
    const capped = new PayloadAccess(async () => 'alice');
    expect(await capped.readable(ALICE, [toPayload({ job_id: 'x' }), toPayload({ job_id: 'y' })], 1)).toEqual([
      true,
      false,
    ]);
  });
});

describe('codec server routes', () => {
  const UI = 'http://127.0.0.1:8233';
  const codec = new AesGcmPayloadCodec(parsePayloadKeys(`k2:${KEY_NEW},k1:${KEY_OLD}`));
  const client = createTemporalClient('127.0.0.1:1', 'default', [], dataConverterOf(codec));
  const owners: Record<string, string> = { 'job-a': 'alice', 'job-b': 'bob' };
  const logger = pino({ level: 'silent' });
  const app = express()
    .use(
      '/codec',
      codecRouter({ client, auth: testAuth(), logger, uiUrl: `${UI}/`, ownerOf: async (id) => owners[id] }),
    )
    .use(problemHandler(logger));
  afterAll(async () => {
    await client.connection.close();
  });

  const json = (p: Payload) => ({
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(p.data ?? []).toString('base64'),
  });
  const encrypted = async (value: unknown) => json(((await codec.encode([toPayload(value)])) as [Payload])[0]);
  const plainOf = (p: { metadata: Record<string, string>; data: string }) =>
    fromPayload({
      metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
      data: Buffer.from(p.data, 'base64'),
    });

  it('decode: the owner and an admin get the job spec; another user gets the payload back still encrypted', async () => {
    const input = await encrypted({ spec: { job_id: 'job-a', user_id: 'alice', secret: 's3cr3t' } });
    const activity = await encrypted({ job_id: 'job-a', payload: { secret: 's3cr3t' } });
    const plain = json(toPayload({ visible: true }));
    const body = { payloads: [input, activity, plain] };
    for (const caller of [ALICE, ADMIN]) {
      const res = await request(app).post('/codec/decode').set('Authorization', bearer(caller)).send(body);
      expect(res.status, caller.user_id).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body.payloads.map(plainOf)).toEqual([
        { spec: { job_id: 'job-a', user_id: 'alice', secret: 's3cr3t' } },
        { job_id: 'job-a', payload: { secret: 's3cr3t' } },
        { visible: true },
      ]);
    }
    const bob = await request(app).post('/codec/decode').set('X-API-Key', BOB.key).send(body);
    expect(bob.status).toBe(200);
    expect(bob.body.payloads).toEqual([input, activity, plain]);
    expect(JSON.stringify(bob.body)).not.toContain(Buffer.from('s3cr3t').toString('base64').slice(0, 6));
  });

  it('encode: payloads come back encrypted with the first key and decode again', async () => {
    const res = await request(app)
      .post('/codec/encode')
      .set('Authorization', bearer(ALICE))
      .send({ payloads: [json(toPayload({ spec: { job_id: 'job-a', user_id: 'alice' } }))] });
    expect(res.status).toBe(200);
    const [out] = res.body.payloads;
    expect(Buffer.from(out.metadata.encoding, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(out.metadata[METADATA_KEY_ID], 'base64').toString()).toBe('k2');
    const back = await request(app).post('/codec/decode').set('Authorization', bearer(ALICE)).send(res.body);
    expect(plainOf(back.body.payloads[0])).toEqual({ spec: { job_id: 'job-a', user_id: 'alice' } });
  });

  it('needs an API key (401 problem); bad input is a 4xx problem naming the field, never a 500', async () => {
    const none = await request(app).post('/codec/decode').send({ payloads: [] });
    expect(none.status).toBe(401);
    expect(none.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(
      (await request(app).post('/codec/decode').set('Authorization', 'Bearer nope').send({ payloads: [] })).status,
    ).toBe(401);
    const cases: [unknown, string][] = [
      [{}, 'payloads'],
      [{ payloads: 'x' }, 'payloads'],
      [{ payloads: [{ data: '***' }] }, 'payloads.0.data'],
      [{ payloads: [{ metadata: { encoding: 'not base64!' } }] }, 'payloads.0.metadata.encoding'],
    ];
    for (const [body, field] of cases) {
      const res = await request(app)
        .post('/codec/decode')
        .set('Authorization', bearer(ALICE))
        .send(body as object);
      expect(res.status, field).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const tampered = await encrypted({ spec: { job_id: 'job-a', user_id: 'alice' } });
    tampered.data = `${tampered.data.slice(0, -4)}AAAA`;
    const foreign = json(
      ((await new AesGcmPayloadCodec(parsePayloadKeys(`k7:${KEY_OLD}`)).encode([toPayload(1)])) as [Payload])[0],
    );
    const bad = await request(app)
      .post('/codec/decode')
      .set('Authorization', bearer(ADMIN))
      .send({ payloads: [json(toPayload(1)), tampered, foreign] });
    expect(bad.status).toBe(400);
    expect(bad.body.type).toBe('/problems/payload-not-decryptable');
    expect(bad.body.errors).toEqual([
      { field: 'payloads.1', message: expect.stringMatching(/does not decrypt with key "k2"/) },
      { field: 'payloads.2', message: expect.stringMatching(/key id "k7"/) },
    ]);
    const text = await request(app)
      .post('/codec/decode')
      .set('Authorization', bearer(ALICE))
      .set('Content-Type', 'text/plain')
      .send('{"payloads":[]}');
    expect(text.status).toBe(415);
    const malformed = await request(app)
      .post('/codec/decode')
      .set('Authorization', bearer(ALICE))
      .set('Content-Type', 'application/json')
      .send('{"payloads":');
    expect(malformed.status).toBe(400);
    const ns = await request(app)
      .post('/codec/decode')
      .set('Authorization', bearer(ALICE))
      .set('X-Namespace', 'other')
      .send({ payloads: [] });
    expect(ns.status).toBe(400);
    expect(ns.body.errors[0].field).toBe('X-Namespace');
    const get = await request(app).get('/codec/decode').set('Authorization', bearer(ALICE));
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
  });

  it("CORS: the Web UI's origin may call with credentials; preflights from other origins get 403", async () => {
    const preflight = await request(app)
      .options('/codec/decode')
      .set('Origin', UI)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type,x-namespace');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(UI);
    expect(preflight.headers['access-control-allow-credentials']).toBe('true');
    expect(preflight.headers['access-control-allow-headers']).toMatch(/X-Namespace/);
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Authorization/);
    const evil = await request(app).options('/codec/decode').set('Origin', 'http://evil.test');
    expect(evil.status).toBe(403);
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    const post = await request(app)
      .post('/codec/decode')
      .set('Origin', UI)
      .set('Authorization', bearer(ALICE))
      .send({ payloads: [] });
    expect(post.headers['access-control-allow-origin']).toBe(UI);
    expect(post.headers.vary).toMatch(/Origin/);
  });

  it('sign-in sets an HttpOnly SameSite cookie on /codec that authenticates the Web UI; sign-out clears it', async () => {
    const form = await request(app).post('/codec/sign-in').type('form').send({ key: BOB.key });
    expect(form.status).toBe(303);
    const cookie = form.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toMatch(new RegExp(`^${CODEC_COOKIE}=`));
    expect(cookie).toMatch(/Path=\/codec/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const pair = cookie.split(';')[0] as string;
    const page = await request(app).get('/codec').set('Cookie', pair);
    expect(page.text).toContain('Signed in as <strong>bob</strong>');
    const input = await encrypted({ spec: { job_id: 'job-b', user_id: 'bob' } });
    const fromUi = await request(app)
      .post('/codec/decode')
      .set('Origin', UI)
      .set('Cookie', pair)
      .send({ payloads: [input] });
    expect(fromUi.status).toBe(200);
    expect(plainOf(fromUi.body.payloads[0])).toEqual({ spec: { job_id: 'job-b', user_id: 'bob' } });
    const elsewhere = await request(app)
      .post('/codec/decode')
      .set('Origin', 'http://evil.test')
      .set('Cookie', pair)
      .send({ payloads: [input] });
    expect(elsewhere.status).toBe(403);
    const wrongKey = await request(app).post('/codec/sign-in').type('form').send({ key: 'sk_wrong' });
    expect(wrongKey.status).toBe(401);
    const noKey = await request(app).post('/codec/sign-in').type('form').send({});
    expect(noKey.status).toBe(400);
    expect(noKey.body.errors[0].field).toBe('key');
    const foreignForm = await request(app)
      .post('/codec/sign-in')
      .set('Origin', 'http://evil.test')
      .type('form')
      .send({ key: BOB.key });
    expect(foreignForm.status).toBe(403);
    const crossSite = await request(app)
      .post('/codec/sign-in')
      .set('Sec-Fetch-Site', 'cross-site')
      .set('Origin', 'null')
      .type('form')
      .send({ key: BOB.key });
    expect(crossSite.status).toBe(403);
    const ownPage = await request(app)
      .post('/codec/sign-in')
      .set('Sec-Fetch-Site', 'same-origin')
      .set('Origin', 'null')
      .type('form')
      .send({ key: BOB.key });
    expect(ownPage.status).toBe(303);
    const header = await request(app).post('/codec/sign-in').set('Authorization', bearer(ALICE));
    expect(header.status).toBe(200);
    expect(header.body).toMatchObject({ user_id: 'alice', role: 'user' });
    const out = await request(app).post('/codec/sign-out').set('Cookie', pair);
    expect(out.status).toBe(204);
    expect(out.headers['set-cookie']?.[0]).toMatch(new RegExp(`^${CODEC_COOKIE}=;`));
    expect((await request(app).get('/codec')).text).toContain('Not signed in.');
  });
});
