/**
 * One job: its health (a failing job's badge and summary in red), its spec, the next 5 run times,
 * counters, the occurrence ledger as a timeline (paged, newest first; each run expands to its
 * attempts, its output or HTTP answer and a link to its events in the Temporal Web UI, read from
 * `GET /jobs/{id}/executions/{execution_id}`), a link to its workflow in the Temporal Web UI, and
 * the actions pause, resume,
 * run now (optionally with args / body JSON), edit and cancel, each confirmed in an in-page dialog
 * and its result shown in a status message. Refreshes every 5 s while the job lives and the page
 * is visible.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { TriggerRequest } from '../../../src/contract';
import { api, errorText, SchedulerApiError } from '../api';
import { ColumnHeads, HealthBadge, Message, RunTimes, StatusBadge } from '../components/Bits';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { usePolling } from '../components/hooks';
import { between, formatDuration, formatTime } from '../lib/format';
import { healthSummary, healthTone } from '../lib/health';
import { plainMessage } from '../lib/messages';
import { headerPairs, outputText, temporalHistoryUrl, temporalWorkflowUrl } from '../lib/run-details';
import { describeSchedule } from '../lib/schedule-words';
import { href, navigate } from '../router';
import type { ConsoleConfig, ExecutionRecord, JobDetails } from '../types';

type Action = 'pause' | 'resume' | 'trigger' | 'cancel';
const ENDED = ['completed', 'failed', 'cancelled'];
const REFRESH_MS = 5_000;
const LEDGER_PAGE = 20;

/** Where a run's events are: the job's workflow (id = job id) and its current run id. */
interface RunLinks {
  config: ConsoleConfig;
  jobId: string;
  runId: string;
}

/**
 * The expanded part of a run: its attempts (number, worker, start, end, status, error), its output
 * (pretty JSON, or the cut text with a note) or HTTP answer (status, headers, body excerpt), and a
 * link to its events in the Temporal Web UI. `run` is the entry as `GET /jobs/{id}/executions/{execution_id}`
 * answered it (the ledger's copy until then).
 */
function RunDetails({ run, links, loading }: { run: ExecutionRecord; links: RunLinks; loading: boolean }) {
  const attempts = run.attempt_history ?? [];
  const output = outputText(run);
  return (
    <div class="run-details">
      {loading && <p class="muted">Loading the run…</p>}
      <h4>Attempts</h4>
      {attempts.length === 0 ? (
        <p class="muted">No attempt recorded.</p>
      ) : (
        <div class="table-wrap">
          <table class="attempts">
            <ColumnHeads names={['Attempt', 'Worker', 'Started (UTC)', 'Ended (UTC)', 'Status', 'Error']} />
            <tbody>
              {attempts.map((a) => (
                <tr key={a.attempt} data-attempt={a.attempt}>
                  <td>{a.attempt}</td>
                  <td class="worker">{a.worker_id ?? '—'}</td>
                  <td>{formatTime(a.started_at)}</td>
                  <td>{a.finished_at ? formatTime(a.finished_at) : 'running'}</td>
                  <td>
                    <StatusBadge status={a.status} />
                  </td>
                  <td class="attempt-error">
                    {a.error ? (
                      <>
                        <strong>{a.error.type}</strong>: {a.error.message}
                      </>
                    ) : (
                      '—'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {output && (
        <>
          <h4>Output</h4>
          {output.truncated && (
            <p class="hint output-truncated">
              Truncated: the return value was longer than 8 KB; this is the start of its JSON text.
            </p>
          )}
          <pre class="output">{output.text}</pre>
        </>
      )}
      {run.http && (
        <>
          <h4>HTTP answer</h4>
          <dl class="ledger-facts">
            <div>
              <dt>Status</dt>
              <dd data-fact="http-status">{run.http.status}</dd>
            </div>
          </dl>
          {headerPairs(run.http.headers).length > 0 && (
            <dl class="http-headers">
              {headerPairs(run.http.headers).map(([name, value]) => (
                <div key={name}>
                  <dt>{name}</dt>
                  <dd>{value}</dd>
                </div>
              ))}
            </dl>
          )}
          <p class="hint">Body (first 2 KB):</p>
          <pre class="output">{run.http.body_excerpt || '(empty)'}</pre>
        </>
      )}
      {!output && !run.http && run.status === 'succeeded' && (
        <p class="muted">No output kept (only the 10 newest runs keep theirs).</p>
      )}
      <p>
        <a
          class="run-events"
          href={temporalHistoryUrl(links.config, links.jobId, links.runId)}
          target="_blank"
          rel="noopener noreferrer"
        >
          Events in Temporal Web UI<span class="visually-hidden"> (new tab)</span>
        </a>{' '}
        <span class="hint">(the job's current workflow run; an older run's events are in the run before it)</span>
      </p>
    </div>
  );
}

function LedgerEntry({ entry, zone, links }: { entry: ExecutionRecord; zone: string; links: RunLinks }) {
  const duration = between(entry.started_at, entry.finished_at);
  const [open, setOpen] = useState(false);
  const [loaded, setLoaded] = useState<ExecutionRecord | null>(null);
  const [loading, setLoading] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const toggle = (isOpen: boolean) => {
    setOpen(isOpen);
    if (!isOpen || loaded !== null || loading) return;
    setLoading(true);
    api
      .execution(links.jobId, entry.execution_id)
      .then((run) => {
        setLoaded(run);
        setLoadError(null);
      })
      .catch((err) => setLoadError(errorText(err)))
      .finally(() => setLoading(false));
  };
  return (
    <li class={`ledger-entry ledger-${entry.status}`} data-status={entry.status} data-execution-id={entry.execution_id}>
      <div class="ledger-head">
        <StatusBadge status={entry.status} />
        {entry.reason && <span class="reason">reason: {entry.reason}</span>}
        {entry.count !== undefined && entry.count > 1 && <span class="reason">× {entry.count}</span>}
        {entry.trigger === 'manual' && <span class="reason">run now</span>}
        <time dateTime={entry.scheduled_time}>
          {formatTime(entry.scheduled_time)} UTC
          {zone !== 'UTC' && (
            <span class="muted">
              {' '}
              ({formatTime(entry.scheduled_time, zone)} {zone})
            </span>
          )}
        </time>
      </div>
      {entry.status !== 'skipped' && (
        <dl class="ledger-facts">
          <div>
            <dt>Attempts</dt>
            <dd>{entry.attempts ?? '—'}</dd>
          </div>
          <div>
            <dt>Worker</dt>
            <dd>{entry.worker_id ?? '—'}</dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd>{formatDuration(duration)}</dd>
          </div>
          {entry.http_status !== undefined && (
            <div>
              <dt>HTTP</dt>
              <dd>{entry.http_status}</dd>
            </div>
          )}
        </dl>
      )}
      {entry.last_scheduled_time && <p class="muted">through {formatTime(entry.last_scheduled_time)} UTC</p>}
      {entry.error && (
        <p class="ledger-error">
          <strong>{entry.error.type}</strong>: {entry.error.message}
        </p>
      )}
      {entry.status !== 'skipped' && (
        <details class="run" open={open} onToggle={(e) => toggle(e.currentTarget.open)}>
          <summary>Attempts, output and events</summary>
          {loadError && <Message kind="error">{loadError}</Message>}
          {open && <RunDetails run={loaded ?? entry} links={links} loading={loading} />}
        </details>
      )}
    </li>
  );
}

/** The page of job `jobId` (a 404 from the API shows "Job not found", as for another user's job). */
export function JobDetailPage({ jobId, config }: { jobId: string; config: ConsoleConfig }) {
  const [job, setJob] = useState<JobDetails | null>(null);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [ledger, setLedger] = useState<ExecutionRecord[]>([]);
  const [older, setOlder] = useState<ExecutionRecord[]>([]);
  const [nextToken, setNextToken] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Action | null>(null);
  const [args, setArgs] = useState('');
  const [argsError, setArgsError] = useState<string | null>(null);
  const [result, setResult] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const path = `/jobs/${encodeURIComponent(jobId)}`;

  const load = useCallback(async () => {
    try {
      const [details, page] = await Promise.all([api.get(jobId), api.executions(jobId, { limit: LEDGER_PAGE })]);
      setJob(details);
      setLedger(page.executions);
      setNextToken((current) => current ?? page.next_page_token);
      setError(null);
    } catch (err) {
      if (err instanceof SchedulerApiError && err.status === 404) setMissing(true);
      else setError(errorText(err));
    }
  }, [jobId]);

  useEffect(() => {
    setJob(null);
    setMissing(false);
    setOlder([]);
    setNextToken(null);
    void load();
  }, [load]);

  const ended = job !== null && ENDED.includes(job.status);
  usePolling(load, REFRESH_MS, !ended && !missing);

  useEffect(() => {
    document.title = `${job?.name ?? (missing ? 'Job not found' : 'Job')} · Job console`;
  }, [job?.name, missing]);

  if (missing) {
    return (
      <section>
        <h1>Job not found</h1>
        <p>
          There is no job <code>{jobId}</code> that you can see. <a href={href('/jobs')}>Back to the jobs</a>.
        </p>
      </section>
    );
  }
  if (job === null)
    return error ? <Message kind="error">{error}</Message> : <Message kind="info">Loading job…</Message>;

  const spec = job.spec;
  const zone: string = spec?.timezone ?? 'UTC';
  const payloadType: string | undefined = spec?.payload?.type;

  const run = async (action: Action) => {
    let body: TriggerRequest | undefined;
    if (action === 'trigger' && args.trim() !== '') {
      try {
        body = { [payloadType === 'http' ? 'body' : 'args']: JSON.parse(args) };
      } catch {
        setArgsError(plainMessage(payloadType === 'http' ? 'payload.body' : 'payload.args', 'is not valid JSON'));
        return;
      }
    }
    setDialog(null);
    setBusy(true);
    setResult(null);
    try {
      if (action === 'cancel') {
        const answer = await api.cancel(jobId);
        setResult({
          kind: 'success',
          text:
            answer.status === 'cancelled'
              ? 'Cancelled: the job is cancelled.'
              : `Cancellation requested: the job is still ${answer.status} and ends shortly.`,
        });
      } else if (action === 'trigger') {
        const answer = await api.trigger(jobId, body ?? {});
        setResult({ kind: 'success', text: `Run now accepted (${answer.status}): ${answer.execution_id}` });
      } else {
        const answer = action === 'pause' ? await api.pause(jobId) : await api.resume(jobId);
        setResult({
          kind: 'success',
          text: `${action === 'pause' ? 'Paused' : 'Resumed'}: the job is ${answer.status}.`,
        });
      }
      setArgs('');
      await load();
    } catch (err) {
      setResult({ kind: 'error', text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };

  const loadOlder = async () => {
    if (!nextToken) return;
    try {
      const page = await api.executions(jobId, { limit: LEDGER_PAGE, page_token: nextToken });
      setOlder((o) => [...o, ...page.executions]);
      setNextToken(page.next_page_token ?? '');
    } catch (err) {
      setResult({ kind: 'error', text: errorText(err) });
    }
  };

  const dialogs: Record<Action, { title: string; label: string; text: string; dismiss?: string; danger?: boolean }> = {
    pause: {
      title: 'Pause this job?',
      label: 'Pause job',
      text: 'Occurrences due while it is paused are recorded as skipped (reason paused). A running occurrence finishes.',
    },
    resume: { title: 'Resume this job?', label: 'Resume job', text: 'It runs again from its next occurrence.' },
    trigger: {
      title: 'Run this job now?',
      label: 'Run now',
      text: 'Runs one extra occurrence now (or right after the running one); the schedule does not move.',
    },
    cancel: {
      title: 'Cancel this job?',
      label: 'Cancel job',
      dismiss: 'Keep job',
      text: 'The job ends for good and a running attempt is cancelled. This cannot be undone.',
      danger: true,
    },
  };
  const current = dialog ? dialogs[dialog] : null;
  const links: RunLinks = { config, jobId: job.job_id, runId: job.temporal.run_id };
  const tone = healthTone(job.health.state);
  const entries = [...ledger, ...older.filter((o) => !ledger.some((l) => l.execution_id === o.execution_id))];

  return (
    <section>
      <div class="page-head">
        <h1>
          {job.name ?? job.job_id} <StatusBadge status={job.status} /> <HealthBadge state={job.health.state} />
        </h1>
        <a href={temporalWorkflowUrl(config, job.job_id)} target="_blank" rel="noopener noreferrer">
          Open in Temporal Web UI<span class="visually-hidden"> (new tab)</span>
        </a>
      </div>
      <p class="muted">
        <code>{job.job_id}</code> · owner {job.user_id}
      </p>
      <p class={`health-summary health-summary-${tone}`} data-health={job.health.state}>
        {healthSummary(job.health, (spec ?? {}) as Record<string, string>)}
      </p>
      {job.details_unavailable && <Message kind="error">{job.details_unavailable}</Message>}
      {error && <Message kind="error">{error}</Message>}

      <fieldset class="actions">
        <legend class="visually-hidden">Job actions</legend>
        {!job.paused ? (
          <button type="button" disabled={ended || busy} onClick={() => setDialog('pause')}>
            Pause
          </button>
        ) : (
          <button type="button" disabled={ended || busy} onClick={() => setDialog('resume')}>
            Resume
          </button>
        )}
        <button
          type="button"
          disabled={ended || busy}
          onClick={() => {
            setArgsError(null);
            setDialog('trigger');
          }}
        >
          Run now
        </button>
        <button type="button" disabled={ended || busy} onClick={() => navigate(`${path}/edit`)}>
          Edit
        </button>
        <button type="button" class="danger" disabled={ended || busy} onClick={() => setDialog('cancel')}>
          Cancel job
        </button>
      </fieldset>
      {result && <Message kind={result.kind}>{result.text}</Message>}

      <ConfirmDialog
        open={current !== null}
        title={current?.title ?? ''}
        confirmLabel={current?.label ?? ''}
        dismissLabel={current?.dismiss ?? 'Cancel'}
        danger={current?.danger ?? false}
        onCancel={() => setDialog(null)}
        onConfirm={() => dialog && void run(dialog)}
      >
        <p>{current?.text}</p>
        {dialog === 'trigger' && (
          <div class="field">
            <label for="trigger-args">
              {payloadType === 'http' ? 'Request body' : 'Args'} for this run (JSON, optional)
            </label>
            <textarea
              id="trigger-args"
              rows={4}
              value={args}
              aria-invalid={argsError ? true : undefined}
              aria-describedby={argsError ? 'trigger-args-error' : undefined}
              onInput={(e) => {
                setArgs(e.currentTarget.value);
                setArgsError(null);
              }}
            />
            {argsError && (
              <p id="trigger-args-error" class="field-error">
                {argsError}
              </p>
            )}
          </div>
        )}
      </ConfirmDialog>

      <div class="grid">
        <section class="card" aria-labelledby="h-schedule">
          <h2 id="h-schedule">Schedule</h2>
          <p class="schedule-words">{spec ? describeSchedule(spec as never) : '—'}</p>
          <h3>Next run times</h3>
          {job.next_run_times && job.next_run_times.length > 0 ? (
            <RunTimes times={job.next_run_times} zone={zone} />
          ) : (
            <p class="muted">{job.paused ? 'Paused: none planned.' : 'None planned.'}</p>
          )}
        </section>
        <section class="card" aria-labelledby="h-counters">
          <h2 id="h-counters">Runs</h2>
          <dl class="facts" aria-label="Last run">
            <div>
              <dt>Last run</dt>
              <dd data-fact="last-run">{job.last_run_time ? `${formatTime(job.last_run_time)} UTC` : 'Never'}</dd>
            </div>
            <div>
              <dt>Retries (last run)</dt>
              <dd data-fact="retries">{job.last_run_time ? (job.retry_count ?? '—') : '—'}</dd>
            </div>
          </dl>
          <h3>Lifetime totals</h3>
          <dl class="facts" aria-label="Lifetime totals">
            <div>
              <dt>Runs</dt>
              <dd>{job.counts ? job.counts.succeeded + job.counts.failed : '—'}</dd>
            </div>
            <div>
              <dt>Succeeded</dt>
              <dd>{job.counts?.succeeded ?? '—'}</dd>
            </div>
            <div>
              <dt>Failed</dt>
              <dd>{job.counts?.failed ?? '—'}</dd>
            </div>
            <div>
              <dt>Skipped</dt>
              <dd>{job.counts?.skipped ?? '—'}</dd>
            </div>
          </dl>
        </section>
      </div>

      <section class="card" aria-labelledby="h-ledger">
        <h2 id="h-ledger">Occurrences (newest first)</h2>
        {entries.length === 0 ? (
          <p class="muted">No occurrence has ended yet.</p>
        ) : (
          <ol class="timeline" aria-label="Occurrence ledger">
            {entries.map((entry) => (
              <LedgerEntry key={entry.execution_id} entry={entry} zone={zone} links={links} />
            ))}
          </ol>
        )}
        {nextToken && (
          <button type="button" onClick={() => void loadOlder()}>
            Load older occurrences
          </button>
        )}
      </section>

      <section class="card" aria-labelledby="h-spec">
        <h2 id="h-spec">Spec</h2>
        <pre class="spec">{JSON.stringify(spec ?? {}, null, 2)}</pre>
      </section>
    </section>
  );
}
