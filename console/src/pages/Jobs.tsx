/**
 * Jobs: the caller's jobs (admins: everyone's, or one user's) with the schedule in words, status,
 * health (a failing job's badge and row in red), next run, last result and the success rate of the
 * recent runs (succeeded green, failed red); filters by status, health (`?health=failing`), name
 * prefix and (admins) user; pages with the API's page_token. Rows come from `GET /jobs`; each row's
 * schedule and ledger from `GET /jobs/{id}`; the page refreshes every 5 s while it is visible.
 * Rows can be selected (a checkbox each, and one for the page) to pause, resume or cancel them
 * together: one request per job, as on the job's page, then a summary of what succeeded and failed.
 * Long names and schedules are cut with an ellipsis (the whole text is their tooltip); on a phone
 * each job is a card.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { JobStatus } from '../../../src/contract';
import { api, errorText, query } from '../api';
import { HealthBadge, Message, RateBar, StatusBadge } from '../components/Bits';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { usePolling } from '../components/hooks';
import { type BulkAction, type BulkOutcome, bulkCall, summarizeBulk } from '../lib/bulk';
import { formatTime, relativeTime } from '../lib/format';
import { HEALTH_STATES, healthSummary, healthTone, isHealthState } from '../lib/health';
import { describeSchedule } from '../lib/schedule-words';
import { RECENT_RUNS, successRate } from '../lib/success-rate';
import { href, navigate } from '../router';
import type { ConsoleConfig, JobDetails, JobSummary } from '../types';

const STATUSES = ['pending', 'running', 'paused', 'completed', 'failed', 'cancelled'];
/** Rows per page, unless the URL says `limit=` (1–100). */
export const PAGE_SIZE = 20;
const REFRESH_MS = 5_000;

function LastResult({ job }: { job: JobDetails | undefined }) {
  if (!job) return <span class="muted">—</span>;
  const last = job.last_execution;
  if (!last) return <span class="muted">{job.last_run_time ? '—' : 'Never run'}</span>;
  return (
    <span>
      <StatusBadge status={last.status} /> <span class="muted">{relativeTime(last.finished_at, Date.now())}</span>
    </span>
  );
}

function Rate({ job }: { job: JobDetails | undefined }) {
  if (!job?.executions) return <span class="muted">—</span>;
  const rate = successRate(job.executions);
  if (rate.rate === null) return <span class="muted">no runs</span>;
  return <RateBar rate={rate} />;
}

/** A search box of the jobs filter form; applied when the form is submitted. */
function FilterInput(props: { id: string; label: string; value: string; set: (value: string) => void }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input id={props.id} type="search" value={props.value} onInput={(e) => props.set(e.currentTarget.value)} />
    </div>
  );
}

/** A filter of the jobs list: a select of `options` (and "any") that navigates on change, back to the first page. */
function FilterSelect(props: {
  name: string;
  label: string;
  value: string;
  options: readonly string[];
  go: (changes: Record<string, string>) => void;
}) {
  const id = `filter-${props.name}`;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select
        id={id}
        value={props.value}
        onChange={(e) => props.go({ [props.name]: e.currentTarget.value, page_token: '' })}
      >
        <option value="">any</option>
        {props.options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The jobs page; `params` is the fragment's query (`status`, `health`, `name`, `user_id`, `page_token`). */
export function JobsPage({ config, params }: { config: ConsoleConfig; params: URLSearchParams }) {
  const status = params.get('status') ?? '';
  const rawHealth = params.get('health') ?? '';
  const health = isHealthState(rawHealth) ? rawHealth : '';
  const name = params.get('name') ?? '';
  const user = params.get('user_id') ?? '';
  const token = params.get('page_token') ?? '';
  const limit = Math.min(100, Math.max(1, Number(params.get('limit')) || PAGE_SIZE));
  const [rows, setRows] = useState<JobSummary[] | null>(null);
  const [details, setDetails] = useState<Record<string, JobDetails>>({});
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState({ status, name, user });
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [confirmCancel, setConfirmCancel] = useState(false);
  const [bulkBusy, setBulkBusy] = useState(false);
  const [bulkResult, setBulkResult] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const selectAll = useRef<HTMLInputElement>(null);
  /** The filters of the URL the form last followed. */
  const shown = useRef({ status, name, user });
  /** Bumped by each load: an answer to an older one is dropped. */
  const loadSeq = useRef(0);
  const key = params.toString();

  useEffect(() => {
    document.title = 'Jobs · Job console';
  }, []);

  /** Loads the page of the URL's filters; a refresh keeps the rows on screen until the answer. */
  const load = useCallback(async () => {
    const seq = ++loadSeq.current;
    try {
      const page = await api.list({
        ...(status ? { status: status as JobStatus } : {}),
        ...(health ? { health } : {}),
        ...(name ? { name } : {}),
        ...(user ? { user_id: user } : {}),
        limit,
        ...(token ? { page_token: token } : {}),
      });
      if (seq !== loadSeq.current) return;
      const loaded = await Promise.all(page.jobs.map((j) => api.get(j.job_id).catch(() => undefined)));
      if (seq !== loadSeq.current) return;
      const map: Record<string, JobDetails> = {};
      for (const d of loaded) if (d) map[d.job_id] = d;
      setRows(page.jobs);
      setNext(page.next_page_token);
      setDetails(map);
      setError(null);
      // A selected job that left the page (ended and filtered out, another page) is no longer selected.
      setSelected((current) => {
        const kept = new Set([...current].filter((id) => page.jobs.some((j) => j.job_id === id)));
        return kept.size === current.size ? current : kept;
      });
    } catch (err) {
      if (seq === loadSeq.current) setError(errorText(err));
    }
  }, [key]);

  useEffect(() => {
    // A filter the URL changed (a navigation, the back button) replaces the form's value; what the
    // user is typing into the other fields stays.
    const before = shown.current;
    shown.current = { status, name, user };
    setForm((f) => ({
      status: status !== before.status ? status : f.status,
      name: name !== before.name ? name : f.name,
      user: user !== before.user ? user : f.user,
    }));
    setRows(null);
    setDetails({});
    setError(null);
    setSelected(new Set());
    setBulkResult(null);
    void load();
    return () => {
      loadSeq.current++;
    };
  }, [load]);

  usePolling(load, REFRESH_MS);

  const nameOf = (id: string) => rows?.find((j) => j.job_id === id)?.name ?? id;
  const toggle = (id: string, on: boolean) =>
    setSelected((current) => {
      const nextSet = new Set(current);
      if (on) nextSet.add(id);
      else nextSet.delete(id);
      return nextSet;
    });
  const pageIds = rows?.map((j) => j.job_id) ?? [];
  const allSelected = pageIds.length > 0 && pageIds.every((id) => selected.has(id));
  useEffect(() => {
    if (selectAll.current) selectAll.current.indeterminate = selected.size > 0 && !allSelected;
  });

  const runBulk = async (action: BulkAction) => {
    const ids = [...selected];
    setConfirmCancel(false);
    setBulkBusy(true);
    setBulkResult(null);
    const outcomes: BulkOutcome[] = await Promise.all(
      ids.map(async (id) => {
        try {
          return { job_id: id, name: nameOf(id), ok: true, status: await bulkCall(api, action, id) };
        } catch (err) {
          return { job_id: id, name: nameOf(id), ok: false, error: errorText(err) };
        }
      }),
    );
    setBulkResult(summarizeBulk(action, outcomes));
    // The jobs that failed stay selected, to try again or look at.
    setSelected(new Set(outcomes.filter((o) => !o.ok).map((o) => o.job_id)));
    setBulkBusy(false);
    await load();
  };

  const go = (changes: Record<string, string>) => {
    const merged = { status, health, name, user_id: user, limit: params.get('limit') ?? '', ...changes };
    navigate(`/jobs${query(merged)}`);
  };

  return (
    <section>
      <div class="page-head">
        <h1>Jobs</h1>
        <a class="button primary" href={href('/new')}>
          New job
        </a>
      </div>
      <form
        class="filters"
        aria-label="Filter jobs"
        onSubmit={(e) => {
          e.preventDefault();
          go({ status: form.status, name: form.name.trim(), user_id: form.user.trim(), page_token: '' });
        }}
      >
        <FilterSelect name="status" label="Status" value={form.status} options={STATUSES} go={go} />
        <FilterSelect name="health" label="Health" value={health} options={HEALTH_STATES} go={go} />
        <FilterInput
          id="filter-name"
          label="Name starts with"
          value={form.name}
          set={(name) => setForm({ ...form, name })}
        />
        {config.role === 'admin' && (
          <FilterInput id="filter-user" label="User" value={form.user} set={(user) => setForm({ ...form, user })} />
        )}
        <button type="submit">Filter</button>
      </form>
      {error && <Message kind="error">{error}</Message>}
      {rows === null && !error && <Message kind="info">Loading jobs…</Message>}
      {rows !== null && rows.length === 0 && (
        <Message kind="info">{health === 'failing' ? 'No job is failing.' : 'No jobs match.'}</Message>
      )}
      {rows !== null && rows.length > 0 && (
        <div class="bulk-bar" role="toolbar" aria-label="Selected jobs">
          <span class="bulk-count" aria-live="polite">
            {selected.size} selected
          </span>
          <button type="button" disabled={selected.size === 0 || bulkBusy} onClick={() => void runBulk('pause')}>
            Pause
          </button>
          <button type="button" disabled={selected.size === 0 || bulkBusy} onClick={() => void runBulk('resume')}>
            Resume
          </button>
          <button
            type="button"
            class="danger"
            disabled={selected.size === 0 || bulkBusy}
            onClick={() => setConfirmCancel(true)}
          >
            Cancel jobs
          </button>
        </div>
      )}
      {bulkResult && <Message kind={bulkResult.kind}>{bulkResult.text}</Message>}
      <ConfirmDialog
        open={confirmCancel}
        title={`Cancel ${selected.size === 1 ? 'this job' : `these ${selected.size} jobs`}?`}
        confirmLabel={selected.size === 1 ? 'Cancel job' : `Cancel ${selected.size} jobs`}
        dismissLabel={selected.size === 1 ? 'Keep job' : 'Keep jobs'}
        danger
        onCancel={() => setConfirmCancel(false)}
        onConfirm={() => void runBulk('cancel')}
      >
        <p>
          {[...selected].map(nameOf).join(', ')}: each ends for good and a running attempt is cancelled. This cannot be
          undone.
        </p>
      </ConfirmDialog>
      {rows !== null && rows.length > 0 && (
        <div class="table-wrap">
          <table class="jobs">
            <caption class="visually-hidden">Jobs, newest first</caption>
            <thead>
              <tr>
                <th scope="col" class="select">
                  <input
                    ref={selectAll}
                    type="checkbox"
                    aria-label="Select all jobs on this page"
                    checked={allSelected}
                    onChange={(e) => setSelected(e.currentTarget.checked ? new Set(pageIds) : new Set())}
                  />
                </th>
                <th scope="col">Name</th>
                <th scope="col">Schedule</th>
                <th scope="col">Status</th>
                <th scope="col">Health</th>
                <th scope="col">Next run (UTC)</th>
                <th scope="col">Last result</th>
                <th scope="col">Success (last {RECENT_RUNS})</th>
                {config.role === 'admin' && <th scope="col">User</th>}
              </tr>
            </thead>
            <tbody>
              {rows.map((job) => {
                const d = details[job.job_id];
                const label = job.name ?? job.job_id;
                const schedule = d?.spec ? describeSchedule(d.spec as never) : null;
                // The job's own answer is fresher than the list's (read from visibility).
                const jobHealth = d?.health ?? job.health;
                return (
                  <tr
                    key={job.job_id}
                    data-job-id={job.job_id}
                    data-health={jobHealth.state}
                    class={`health-row-${healthTone(jobHealth.state)}`}
                  >
                    <td class="select">
                      <input
                        type="checkbox"
                        aria-label={`Select ${label}`}
                        checked={selected.has(job.job_id)}
                        onChange={(e) => toggle(job.job_id, e.currentTarget.checked)}
                      />
                    </td>
                    <td class="name" data-label="Name">
                      <a class="clip" href={href(`/jobs/${encodeURIComponent(job.job_id)}`)} title={label}>
                        {label}
                      </a>
                    </td>
                    <td class="schedule" data-label="Schedule">
                      {schedule ? (
                        <span class="clip" title={schedule}>
                          {schedule}
                        </span>
                      ) : (
                        <span class="muted">…</span>
                      )}
                    </td>
                    <td class="status" data-label="Status">
                      <StatusBadge status={d?.status ?? job.status} />
                    </td>
                    <td class="health-cell" data-label="Health">
                      <HealthBadge
                        state={jobHealth.state}
                        title={healthSummary(jobHealth, (d?.spec ?? {}) as Record<string, string>)}
                      />
                    </td>
                    <td class="next-run" data-label="Next run (UTC)">
                      {formatTime(d?.next_run_time ?? job.next_run_time)}
                    </td>
                    <td class="last-result" data-label="Last result">
                      <LastResult job={d} />
                    </td>
                    <td class="rate" data-label={`Success (last ${RECENT_RUNS})`}>
                      <Rate job={d} />
                    </td>
                    {config.role === 'admin' && (
                      <td class="user" data-label="User">
                        {job.user_id}
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label="Pages">
        {token && (
          <button type="button" onClick={() => history.back()}>
            ← Previous page
          </button>
        )}
        {next && (
          <button type="button" onClick={() => go({ page_token: next })}>
            Next page →
          </button>
        )}
      </nav>
    </section>
  );
}
