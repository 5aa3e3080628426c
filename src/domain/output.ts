/**
 * What a run did, as its ledger entry keeps it: a handler's return value (`output`) and an HTTP
 * job's answer (`http`), both capped so that the job's state stays small across continue-as-new.
 * Pure functions of the worker (they use Buffer: not for workflow code); the ledger's retention of
 * them is in ./ledger.ts.
 */

/** Largest `output` kept, bytes of its JSON text (UTF-8). */
export const OUTPUT_MAX_BYTES = 8_192;
/** Largest `http.body_excerpt` kept, bytes (UTF-8) from the start of the answer's body. */
export const HTTP_BODY_EXCERPT_BYTES = 2_048;
/** Answer headers an HTTP job's run keeps (lower-case names, RFC 9110 field names). */
export const HTTP_KEPT_HEADERS = [
  'content-type',
  'content-length',
  'location',
  'retry-after',
  'etag',
  'request-id',
  'x-request-id',
] as const;

/** A handler's return value as a ledger entry keeps it. */
export interface CapturedOutput {
  /** The value (JSON), or the first {@link OUTPUT_MAX_BYTES} bytes of its JSON text when truncated. */
  output?: unknown;
  /** True when `output` is the cut JSON text (a string), not the value. */
  output_truncated?: true;
}

/**
 * Captures a handler's return value: undefined keeps nothing; a value whose JSON text fits
 * {@link OUTPUT_MAX_BYTES} is kept as JSON (what `JSON.stringify` makes of it: dates become
 * strings); a longer one as the start of its JSON text, cut at a character boundary, with
 * `output_truncated`. A value JSON cannot represent (a cycle, a BigInt) is kept as its error text,
 * truncated.
 */
export function captureOutput(value: unknown, maxBytes = OUTPUT_MAX_BYTES): CapturedOutput {
  if (value === undefined) return {};
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    return { output: `return value is not JSON: ${(err as Error).message}`, output_truncated: true };
  }
  if (json === undefined) return {}; // a function or a symbol
  if (Buffer.byteLength(json) <= maxBytes) return { output: JSON.parse(json) as unknown };
  return { output: utf8Prefix(json, maxBytes), output_truncated: true };
}

/** The longest prefix of `text` whose UTF-8 encoding fits `maxBytes`, never splitting a character. */
export function utf8Prefix(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // Back off over continuation bytes (10xxxxxx) to the start of the cut character.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

/** The kept headers of an answer (node:http's lower-cased header object). */
export function keptHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of HTTP_KEPT_HEADERS) {
    const value = headers[name];
    if (value !== undefined) kept[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return kept;
}
