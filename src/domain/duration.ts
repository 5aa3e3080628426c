/**
 * Duration strings of the wire format: one or more `<integer><unit>` parts,
 * units `ms`, `s`, `m`, `h`, `d`, e.g. `"500ms"`, `"90s"`, `"15m"`, `"1h30m"`.
 * Workflow-safe: no Node APIs.
 */

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const WHOLE = /^(?:\d+(?:ms|s|m|h|d))+$/;
const PART = /(\d+)(ms|s|m|h|d)/g;

/** Largest duration we accept: 366 days, in milliseconds. */
export const MAX_DURATION_MS = 366 * UNIT_MS.d;

/**
 * Parses a duration string into milliseconds.
 * @param text e.g. `"15m"` or `"1h30m"`.
 * @returns the duration in milliseconds (an integer >= 0).
 * @throws {RangeError} when the text is not a duration string or exceeds {@link MAX_DURATION_MS}.
 */
export function parseDuration(text: string): number {
  if (!WHOLE.test(text)) {
    throw new RangeError(`"${text}" is not a duration like "90s", "15m" or "1h30m"`);
  }
  let total = 0;
  for (const match of text.matchAll(PART)) {
    total += Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  }
  if (total > MAX_DURATION_MS) throw new RangeError(`"${text}" is longer than 366 days`);
  return total;
}

/** True when {@link parseDuration} accepts the text. */
export function isDuration(text: string): boolean {
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}
