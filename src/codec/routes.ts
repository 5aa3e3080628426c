/**
 * The codec server of the Temporal Web UI and CLI, on the API under `/codec` (Temporal's "Codec
 * Server" protocol, docs.temporal.io/codec-server):
 *
 * - `POST /codec/decode`, `POST /codec/encode`: body and answer `{ "payloads": [{ "metadata":
 *   { "<name>": "<base64>" }, "data": "<base64>" }] }` (a `temporal.api.common.v1.Payloads` in
 *   proto3 JSON, bytes as base64), run through the payload codecs of the API's Temporal client.
 *   They need an API key: `Authorization: Bearer <key>` / `X-API-Key` (the CLI's `--codec-auth`),
 *   or the cookie that `POST /codec/sign-in` sets, which the Web UI sends when its codec setting
 *   "Include cross-origin credentials" is on (`TEMPORAL_CODEC_INCLUDE_CREDENTIALS=true`). The Web
 *   UI's other option, "Pass access token", sends the UI's own OIDC token, which is no API key.
 * - `GET /codec`: a page to sign in and out (sets or clears that cookie); `POST /codec/sign-in`,
 *   `POST /codec/sign-out`.
 *
 * Decoding reveals a payload only to whom it belongs (./ownership.ts); any other encrypted payload
 * comes back exactly as sent (still encrypted), so one foreign payload does not fail a batch.
 * Payloads that were not encrypted come back as sent. CORS: the Web UI's origin (the origin of
 * TEMPORAL_UI_URL) may call these routes with credentials; preflights from other origins get 403.
 *
 * Mounted before the API's own authentication (a preflight carries no credentials); it
 * authenticates with the same key table (src/api/auth.ts).
 */
import type { Client } from '@temporalio/client';
import { type Payload, type PayloadCodec, WorkflowNotFoundError } from '@temporalio/common';
import express, { type Request, type RequestHandler, type Response, Router } from 'express';
import { z } from 'zod';
import { ANONYMOUS_ADMIN, type AuthOptions, authenticate, hashApiKey, type Principal, principalOf } from '../api/auth';
import { DEFAULT_TEMPORAL_UI_URL } from '../api/console/routes';
import { isTemporalUnavailable, ProblemError, validationProblem } from '../api/problem';
import { JOB_WORKFLOW_TYPE, USER_ID } from '../domain/search-attributes';
import type { Logger } from '../logger';
import { type JobOwnerLookup, PayloadAccess } from './ownership';
import { isEncryptedPayload, PayloadDecryptionError } from './payload-codec';

/** Name of the cookie that carries the API key for the Web UI's codec requests (Path=/codec, HttpOnly). */
export const CODEC_COOKIE = 'scheduler_codec_key';
/** How long the sign-in cookie lasts, seconds (8 hours). */
export const CODEC_SESSION_SECONDS = 8 * 3600;
/** Largest request body of `/decode` and `/encode` (payloads of one history page; Temporal's blob limit is 2 MB). */
export const CODEC_BODY_LIMIT = '4mb';
/** Most payloads in one request. */
export const CODEC_MAX_PAYLOADS = 1000;
/** Most distinct job owners one decode request may look up on Temporal; payloads of further jobs are withheld. */
export const CODEC_MAX_OWNER_LOOKUPS = 100;

/** Options of {@link codecRouter}. */
export interface CodecRouterOptions {
  /** The API's Temporal client: its data converter's payload codecs, its namespace, job owners. */
  client: Client;
  /** The API's key table (or auth disabled). */
  auth: AuthOptions;
  logger: Logger;
  /** Base URL of the Temporal Web UI (TEMPORAL_UI_URL): its origin may call the codec with credentials. */
  uiUrl?: string | undefined;
  /** Owner of a job id (tests); default: the `UserId` search attribute of the job's workflow. */
  ownerOf?: JobOwnerLookup;
}

const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');
/** A payload in proto3 JSON: metadata values and data are base64. */
const jsonPayloadSchema = z.object({
  metadata: z.record(z.string(), base64).nullish(),
  data: base64.nullish(),
});
/** The body of `/decode` and `/encode`. */
export const codecBodySchema = z.object({
  payloads: z.array(jsonPayloadSchema).max(CODEC_MAX_PAYLOADS, `must hold at most ${CODEC_MAX_PAYLOADS} payloads`),
});
/** One payload as the Web UI sends and reads it. */
export type JsonPayload = z.output<typeof jsonPayloadSchema>;

/** proto3 JSON → payload. */
function fromJson(payload: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(payload.data ?? '', 'base64'),
  };
}

/** payload → proto3 JSON. */
function toJson(payload: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
}

/** The owner of a job from Temporal: its `UserId`; undefined when the id is not a job's workflow. */
export function ownerFromTemporal(client: Client): JobOwnerLookup {
  return async (jobId) => {
    try {
      const description = await client.workflow.getHandle(jobId).describe();
      return description.type === JOB_WORKFLOW_TYPE ? description.typedSearchAttributes.get(USER_ID) : undefined;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || !isTemporalUnavailable(err)) return undefined;
      throw err;
    }
  };
}

/** Value of one cookie of the `Cookie` header, percent-decoded. */
function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** The origin of a URL (`scheme://host[:port]`), or null for an invalid one. */
function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The caller an API key stands for, or null for an unknown key (auth disabled: the anonymous admin). */
function principalOfKey(auth: AuthOptions, key: string): Principal | null {
  if (auth.mode === 'disabled') return ANONYMOUS_ADMIN;
  const hash = hashApiKey(key);
  const record = auth.keys.find((k) => k.key_sha256 === hash);
  return record === undefined ? null : { user_id: record.user_id, role: record.role };
}

/** Runs payloads through codecs: encode in order, decode in reverse order (as the SDK does). */
async function runCodecs(codecs: readonly PayloadCodec[], op: 'encode' | 'decode', payloads: Payload[]) {
  let out = payloads;
  for (const codec of op === 'encode' ? codecs : [...codecs].reverse()) out = await codec[op](out);
  return out;
}

/**
 * Builds the `/codec` router (see the module doc).
 * @throws {Error} when `uiUrl` is not a URL.
 */
export function codecRouter({ client, auth, logger, uiUrl, ownerOf }: CodecRouterOptions): Router {
  const uiOrigin = originOf(uiUrl ?? DEFAULT_TEMPORAL_UI_URL);
  if (uiOrigin === null) throw new Error(`TEMPORAL_UI_URL ${uiUrl} is not a URL`);
  const codecs = client.options.loadedDataConverter.payloadCodecs;
  const namespace = client.options.namespace;
  const access = new PayloadAccess(ownerOf ?? ownerFromTemporal(client));
  const byKey = authenticate(auth);
  const ownOrigin = (req: Request) => `${req.protocol}://${req.get('host') ?? ''}`;
  const secureCookie = (req: Request) => req.secure || uiOrigin.startsWith('https:');
  /**
   * Whether a form post comes from this server's own page: by `Sec-Fetch-Site` when the browser
   * sends it (helmet's `Referrer-Policy: no-referrer` makes Chrome send `Origin: null` on form
   * posts), else by `Origin`; a client that sends neither is no browser form.
   */
  const fromOwnPage = (req: Request) => {
    const site = req.get('sec-fetch-site');
    if (site !== undefined) return site === 'same-origin';
    const origin = req.get('origin');
    return origin === undefined || origin === ownOrigin(req);
  };

  const router = Router({ caseSensitive: true });

  // CORS for the Web UI: its origin may send credentials and the headers the UI and CLI send.
  router.use((req, res, next) => {
    res.append('Vary', 'Origin');
    const origin = req.get('origin');
    if (origin === uiOrigin) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
    }
    if (req.method !== 'OPTIONS') {
      next();
      return;
    }
    if (origin !== uiOrigin) {
      throw new ProblemError(
        403,
        'Forbidden',
        `origin ${origin ?? '(none)'} may not call the codec server; only the Temporal Web UI's (${uiOrigin}, from TEMPORAL_UI_URL)`,
        'origin-not-allowed',
        { errors: [{ field: 'Origin', message: 'is not the Temporal Web UI origin' }] },
      );
    }
    res.setHeader('Access-Control-Allow-Methods', 'POST');
    res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Namespace, X-API-Key');
    res.setHeader('Access-Control-Max-Age', '600');
    res.status(204).end();
  });

  /**
   * Authenticates by the API key of the headers or, without one, of the sign-in cookie; the cookie
   * counts only for requests from the Web UI's origin or this server's own pages.
   */
  const credentials: RequestHandler = (req, res, next) => {
    if (req.get('authorization') === undefined && req.get('x-api-key') === undefined) {
      const key = cookieValue(req.get('cookie'), CODEC_COOKIE);
      if (key !== undefined) {
        const origin = req.get('origin');
        if (origin !== undefined && origin !== uiOrigin && origin !== ownOrigin(req)) {
          throw new ProblemError(
            403,
            'Forbidden',
            `the codec sign-in cookie is accepted only from the Temporal Web UI (${uiOrigin})`,
            'origin-not-allowed',
            { errors: [{ field: 'Origin', message: 'is not the Temporal Web UI origin' }] },
          );
        }
        req.headers.authorization = `Bearer ${key}`;
      }
    }
    byKey(req, res, next);
  };

  const requireJson: RequestHandler = (req, _res, next) => {
    if (!req.is('application/json')) {
      throw new ProblemError(
        415,
        'Unsupported media type',
        'send the payloads as application/json',
        'unsupported-media-type',
        {
          errors: [{ field: 'Content-Type', message: 'must be application/json' }],
        },
      );
    }
    next();
  };

  /** The parsed body and the namespace check shared by both operations. */
  const payloadsOf = (req: Request): JsonPayload[] => {
    const asked = req.get('x-namespace');
    if (asked !== undefined && asked !== namespace) {
      throw new ProblemError(
        400,
        'Invalid request',
        `this codec server serves namespace "${namespace}"`,
        'validation-error',
        {
          errors: [{ field: 'X-Namespace', message: `must be "${namespace}"` }],
        },
      );
    }
    const parsed = codecBodySchema.safeParse(req.body);
    if (!parsed.success) throw validationProblem(parsed.error);
    return parsed.data.payloads;
  };

  const jsonBody = express.json({ limit: CODEC_BODY_LIMIT, strict: true });

  router.post('/decode', credentials, requireJson, jsonBody, async (req, res) => {
    const sent = payloadsOf(req);
    const principal = principalOf(res);
    const received = sent.map(fromJson);
    const decoded = await decodeEach(codecs, received);
    const encryptedAt = received.flatMap((p, i) => (isEncryptedPayload(p) ? [i] : []));
    const readable = await access.readable(
      principal,
      encryptedAt.map((i) => decoded[i] as Payload),
      CODEC_MAX_OWNER_LOOKUPS,
    );
    const withheld = new Set(encryptedAt.filter((_, n) => !readable[n]));
    const payloads = sent.map((p, i) =>
      encryptedAt.includes(i) && !withheld.has(i) ? toJson(decoded[i] as Payload) : p,
    );
    if (encryptedAt.length > 0) logDecode(logger, principal, sent.length, encryptedAt.length, withheld.size);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ payloads });
  });

  router.post('/encode', credentials, requireJson, jsonBody, async (req, res) => {
    const sent = payloadsOf(req);
    const encoded = await runCodecs(codecs, 'encode', sent.map(fromJson));
    res.setHeader('Cache-Control', 'no-store');
    res.json({ payloads: encoded.map(toJson) });
  });

  // Sign-in page and cookie, for the Web UI's "Include cross-origin credentials".
  router.get('/', (req, res) => {
    const key = cookieValue(req.get('cookie'), CODEC_COOKIE);
    sendPage(res, req, key === undefined ? null : principalOfKey(auth, key));
  });

  const form = express.urlencoded({ extended: false, limit: '4kb' });
  router.post('/sign-in', form, (req, res) => {
    const fromForm = typeof req.is('application/x-www-form-urlencoded') === 'string';
    if (fromForm) {
      if (!fromOwnPage(req)) {
        throw new ProblemError(403, 'Forbidden', "sign in from this server's /codec page", 'origin-not-allowed', {
          errors: [{ field: 'Origin', message: 'is not this server' }],
        });
      }
      const key = (req.body as { key?: unknown } | undefined)?.key;
      if (typeof key !== 'string' || key.trim() === '') {
        throw new ProblemError(400, 'Invalid request', 'enter an API key', 'validation-error', {
          errors: [{ field: 'key', message: 'is required' }],
        });
      }
      req.headers.authorization = `Bearer ${key.trim()}`;
    }
    byKey(req, res, () => {
      const principal = principalOf(res);
      const authorization = req.get('authorization') ?? '';
      const key = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] ?? req.get('x-api-key') ?? '';
      res.cookie(CODEC_COOKIE, key, {
        path: '/codec',
        httpOnly: true,
        sameSite: 'strict',
        secure: secureCookie(req),
        maxAge: CODEC_SESSION_SECONDS * 1000,
      });
      logger.info({ user_id: principal.user_id, role: principal.role }, 'codec sign-in');
      if (fromForm) {
        res.redirect(303, req.baseUrl || '/codec');
        return;
      }
      res.json({
        user_id: principal.user_id,
        role: principal.role,
        expires_at: new Date(Date.now() + CODEC_SESSION_SECONDS * 1000).toISOString(),
      });
    });
  });

  router.post('/sign-out', form, (req, res) => {
    res.clearCookie(CODEC_COOKIE, { path: '/codec', httpOnly: true, sameSite: 'strict', secure: secureCookie(req) });
    if (typeof req.is('application/x-www-form-urlencoded') === 'string') res.redirect(303, req.baseUrl || '/codec');
    else res.status(204).end();
  });

  for (const path of ['/decode', '/encode', '/sign-in', '/sign-out']) {
    router.all(path, (req, res) => {
      res.setHeader('Allow', 'POST');
      throw new ProblemError(
        405,
        'Method not allowed',
        `${req.method} ${req.baseUrl}${path}: use POST`,
        'method-not-allowed',
      );
    });
  }
  return router;
}

/**
 * Decodes each payload on its own, so that a failure names the payload.
 * @throws ProblemError 400 `payload-not-decryptable` naming every payload (`payloads.<i>`) that
 *   cannot be decrypted (unknown key id, altered data, wrong layout).
 */
async function decodeEach(codecs: readonly PayloadCodec[], payloads: Payload[]): Promise<Payload[]> {
  const errors: { field: string; message: string }[] = [];
  const out = await Promise.all(
    payloads.map(async (payload, i) => {
      try {
        return (await runCodecs(codecs, 'decode', [payload]))[0] as Payload;
      } catch (err) {
        if (!(err instanceof PayloadDecryptionError)) throw err;
        errors.push({ field: `payloads.${i}`, message: err.message });
        return payload;
      }
    }),
  );
  if (errors.length > 0) {
    errors.sort((a, b) => a.field.localeCompare(b.field, 'en', { numeric: true }));
    throw new ProblemError(
      400,
      'Payload cannot be decrypted',
      `cannot decrypt ${errors.map((e) => e.field).join(', ')}`,
      'payload-not-decryptable',
      { errors },
    );
  }
  return out;
}

function logDecode(logger: Logger, principal: Principal, payloads: number, encrypted: number, withheld: number): void {
  logger.info(
    { user_id: principal.user_id, role: principal.role, payloads, decrypted: encrypted - withheld, withheld },
    'codec decode',
  );
}

/** The sign-in page: who is signed in, a key form, and how to point the Web UI here. */
function sendPage(res: Response, req: Request, principal: Principal | null): void {
  const endpoint = `${req.protocol}://${req.get('host') ?? ''}${req.baseUrl}`;
  const status =
    principal === null
      ? '<p>Not signed in.</p>'
      : `<p>Signed in as <strong>${escapeHtml(principal.user_id)}</strong> (${principal.role}).</p>
<form method="post" action="${escapeHtml(req.baseUrl)}/sign-out"><button type="submit">Sign out</button></form>`;
  res.setHeader('Cache-Control', 'no-store');
  res.type('html').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Codec server · Job scheduler</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}input{width:100%;font:inherit;padding:.4rem}button{font:inherit;padding:.4rem 1rem;margin-top:.5rem}code{background:#eee;padding:0 .2rem}</style>
</head><body>
<h1>Codec server</h1>
<p>Job payloads are encrypted in Temporal. The Temporal Web UI shows them decrypted through this server,
for the jobs of the API key you sign in with here (an admin key: every job).</p>
${status}
<form method="post" action="${escapeHtml(req.baseUrl)}/sign-in">
<label for="key">API key</label>
<input id="key" name="key" type="password" autocomplete="off" required>
<button type="submit">Sign in</button>
</form>
<p>In the Web UI's codec server settings, the endpoint is <code>${escapeHtml(endpoint)}</code> with
<strong>Include cross-origin credentials</strong> on.</p>
</body></html>`);
}
