/**
 * Building blocks shared by the contract's schemas: times and page tokens as they travel on the
 * wire. Pure zod: no server code.
 */
import { z } from 'zod';

/** A string, or null when the value is unknown or absent. */
export const nullableString = z.string().nullable();
/** A number, or null when the value is unknown or absent. */
export const nullableNumber = z.number().nullable();

/**
 * An object schema that the OpenAPI document shows as the named component `id` (and refers to by it).
 * @param id the component's name, e.g. `JobPage`.
 */
export function component<T extends z.core.$ZodLooseShape>(id: string, shape: T) {
  return z.object(shape).meta({ id });
}

/**
 * The `next_page_token` of a page: what to pass as `page_token` for the next page, null on the last.
 * @param description what the next page holds, and when there is none.
 */
export function nextPageTokenSchema(description: string) {
  return nullableString.meta({ description });
}

/** An instant as the API writes it: UTC RFC 3339 with milliseconds (`2026-01-01T09:00:00.000Z`). */
export const utcTimeSchema = z.string().meta({ description: 'UTC RFC 3339', example: '2026-01-01T09:00:00.000Z' });

/**
 * An opaque page token (base64url), at most `max` characters.
 * @param max longest token accepted.
 */
export function pageTokenSchema(max: number) {
  return z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'is not a page token')
    .max(max);
}

/** Why an execution or attempt failed, as reported by its last attempt. */
export const executionErrorSchema = z.object({
  message: z.string(),
  type: z.string().meta({ description: 'e.g. `HttpError`, `HandlerError`, `UnknownHandler`, `Timeout`' }),
  non_retryable: z.boolean(),
});
