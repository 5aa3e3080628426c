/**
 * What the job page shows of one run when it is expanded: its output as text, its HTTP answer's
 * headers in order, and the links to its workflow in the Temporal Web UI. Pure functions,
 * unit-tested in test/unit/console-lib.test.ts.
 */

/** The run fields the expanded view reads (a ledger entry of `GET /jobs/{id}/executions`). */
export interface RunLike {
  output?: unknown;
  output_truncated?: boolean | undefined;
  http?: { status: number; headers: Record<string, string>; body_excerpt: string } | undefined;
}

/**
 * The handler's return value as shown: pretty JSON (2 spaces), or the text as it is when the API
 * cut it (`output_truncated`: the first 8 KB of the JSON text); null when the run has no output.
 */
export function outputText(run: RunLike): { text: string; truncated: boolean } | null {
  if (!('output' in run) || run.output === undefined) return null;
  if (run.output_truncated === true) return { text: String(run.output), truncated: true };
  return { text: JSON.stringify(run.output, null, 2) ?? String(run.output), truncated: false };
}

/** An HTTP answer's headers as `[name, value]` pairs, sorted by name. */
export function headerPairs(headers: Record<string, string> | undefined): [string, string][] {
  return Object.entries(headers ?? {}).sort(([a], [b]) => a.localeCompare(b));
}

/** The Web UI's base, the namespace and a workflow id, as the links below build on. */
export interface TemporalUi {
  temporal_ui_url: string;
  namespace: string;
}

/** The Temporal Web UI page of a workflow (its latest run). */
export function temporalWorkflowUrl(ui: TemporalUi, workflowId: string): string {
  return `${ui.temporal_ui_url}/namespaces/${encodeURIComponent(ui.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** The Temporal Web UI's event history of one run of a workflow. */
export function temporalHistoryUrl(ui: TemporalUi, workflowId: string, runId: string): string {
  return `${temporalWorkflowUrl(ui, workflowId)}/${encodeURIComponent(runId)}/history`;
}
