/**
 * The handler picker of the job form: the names `GET /handlers` answers (what the workers of a
 * task queue register, or the API's `HANDLER_NAMES` patterns, where a trailing `*` matches a
 * prefix), whether a typed name is among them, and a warning in plain language when it is not.
 * Pure functions, unit-tested in test/unit/console-lib.test.ts.
 */

/** `GET /handlers` as the form reads it. */
export interface HandlerList {
  task_queue: string;
  handlers: string[];
  source: 'workers' | 'config';
  read_at?: string;
}

/** True when `name` is one of `handlers`, or starts with the prefix of a `prefix*` pattern. */
export function handlerListed(name: string, handlers: readonly string[]): boolean {
  return handlers.some((h) => (h.endsWith('*') ? name.startsWith(h.slice(0, -1)) : h === name));
}

/**
 * The suggestions of the picker (a datalist): the exact names, then each pattern's prefix
 * (`reports.*` suggests `reports.`, to be completed by hand).
 */
export function handlerOptions(list: HandlerList | null): string[] {
  if (list === null) return [];
  const exact = list.handlers.filter((h) => !h.endsWith('*'));
  const prefixes = list.handlers.filter((h) => h.endsWith('*')).map((h) => h.slice(0, -1));
  return [...exact, ...prefixes.filter((p) => p !== '' && !exact.includes(p))];
}

/**
 * A warning for a handler name that is not in the list, or null (nothing typed, no list, or listed).
 * Never blocks a submit: the workers may register the handler later, and the API has the last word.
 */
export function handlerWarning(name: string, list: HandlerList | null): string | null {
  const typed = name.trim();
  if (typed === '' || list === null || handlerListed(typed, list.handlers)) return null;
  if (list.source === 'config') {
    return `"${typed}" is not one of the handler names this API accepts (HANDLER_NAMES): saving will be refused. Pick a name from the list.`;
  }
  if (list.handlers.length === 0) {
    return `The workers of task queue "${list.task_queue}" register no handler: runs of "${typed}" would fail.`;
  }
  return `No worker of task queue "${list.task_queue}" has a handler named "${typed}": its runs would fail unless a worker adds it. Pick a name from the list or check the spelling.`;
}

/**
 * A line under the handler field saying what the list holds: the names when there are few, else
 * how many; `unavailable` (the 503's reason) when no worker answered.
 */
export function handlerListHint(list: HandlerList | null, unavailable: string | null): string {
  if (unavailable !== null) return `${unavailable} Type the handler's name.`;
  if (list === null) return 'Loading the handler names…';
  const names = handlerOptions(list);
  const from =
    list.source === 'config' ? 'Names this API accepts' : `Handlers the workers of "${list.task_queue}" register`;
  if (names.length === 0) return `${from}: none.`;
  const shown = names.length <= 6 ? names.join(', ') : `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`;
  const patterns = list.handlers.some((h) => h.endsWith('*')) ? ' (a name ending in "." is a prefix: complete it)' : '';
  return `${from}: ${shown}${patterns}.`;
}

/**
 * Why the handler names are not known, as a sentence, from the status of `GET /handlers`' answer:
 * 404 no worker polls the task queue, 503 none answered in time, 403 the key may not use the queue.
 * @param queue the task queue asked for ('' for the API's own).
 * @param detail the problem's text, for any other answer.
 */
export function handlerListUnavailable(status: number | null, queue: string, detail: string): string {
  const named = queue === '' ? 'this task queue' : `task queue "${queue}"`;
  if (status === 404) return `No worker polls ${named}, so its handler names are not known.`;
  if (status === 503) return `No worker of ${named} answered, so its handler names are not known.`;
  if (status === 403) return `This API key may not use ${named}.`;
  return `The handler names could not be read (${detail}).`;
}
