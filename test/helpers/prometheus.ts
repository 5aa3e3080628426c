/** Reading Prometheus text exposition in tests. */

/**
 * The value of the sample `name{labels}` (labels in any order; `{}` or none for no labels),
 * or undefined when the text has no such sample.
 */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (match === null || match[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      got[pair[1] as string] = pair[2] as string;
    }
    const wanted = Object.entries(labels);
    if (wanted.length !== Object.keys(got).length) continue;
    if (wanted.every(([k, v]) => got[k] === v)) return Number(match[3]);
  }
  return undefined;
}
