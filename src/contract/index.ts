/**
 * The REST contract, written once: zod schemas of every request and answer of the API, and the
 * types inferred from them (`z.input` for what a client sends, `z.output` for what it reads).
 * The API validates with these schemas and generates its OpenAPI document from them; the typed
 * client (src/client), the CLI and the job console take their types from here.
 *
 * Pure: zod and the domain's pure modules only (no express, no Temporal), so Node and the
 * browser bundle can both import it.
 */
export * from './batch';
export * from './common';
export * from './console';
export * from './handlers';
export * from './jobs';
export * from './operations';
export * from './problem';
export * from './schedules';
export * from './stats';
export * from './workers';
