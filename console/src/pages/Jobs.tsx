/**
 * Jobs: the caller's jobs (admins: everyone's, or one user's) with the schedule in words, status,
 * next run, last result and the success rate of the recent runs; filters by status, name prefix
 * and (admins) user; pages with the API's page_token. Rows come from `GET /jobs`; each row's
 * schedule and ledger from `GET /jobs/{id}`.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, query } from '../api';
import { Bar, Message, StatusBadge } from '../components/Bits';
import { formatTime, relativeTime } from '../lib/format';
import { problemText } from '../lib/problems';
import { describeSchedule } from '../lib/schedule-words';
import { formatRate, RECENT_RUNS, successRate } from '../lib/success-rate';
import { href, navigate } from '../router';
import type { ConsoleConfig, JobDetails, JobSummary } from '../types';

const STATUSES = ['pending', 'running', 'paused', 'completed', 'failed', 'cancelled'];
/** Rows per page, unless the URL says `limit=` (1–100). */
export const PAGE_SIZE = 20;

function LastResult({ job }: { job: JobDetails | undefined }) {
  const last = job?.last_execution;
  if (!last) return <span class="muted">—</span>;
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
  return (
    <Bar
      value={rate.succeeded}
      max={rate.runs}
      tone={rate.rate >= 0.9 ? 'good' : rate.rate >= 0.5 ? 'warn' : 'bad'}
      label={`${formatRate(rate)} of ${rate.runs}`}
    />
  );
}

/** The jobs page; `params` is the fragment's query (`status`, `name`, `user_id`, `page_token`). */
export function JobsPage({ config, params }: { config: ConsoleConfig; params: URLSearchParams }) {
  const status = params.get('status') ?? '';
  const name = params.get('name') ?? '';
  const user = params.get('user_id') ?? '';
  const token = params.get('page_token') ?? '';
  const limit = Math.min(100, Math.max(1, Number(params.get('limit')) || PAGE_SIZE));
  const [rows, setRows] = useState<JobSummary[] | null>(null);
  const [details, setDetails] = useState<Record<string, JobDetails>>({});
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState({ status, name, user });
  /** The filters of the URL the form last followed. */
  const shown = useRef({ status, name, user });
  const key = params.toString();

  useEffect(() => {
    document.title = 'Jobs · Job console';
  }, []);

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
    let live = true;
    setError(null);
    api<{ jobs: JobSummary[]; next_page_token: string | null }>(
      'GET',
      `/jobs${query({ status, name, user_id: user, limit, page_token: token })}`,
    )
      .then(async (page) => {
        if (!live) return;
        setRows(page.jobs);
        setNext(page.next_page_token);
        const loaded = await Promise.all(
          page.jobs.map((j) => api<JobDetails>('GET', `/jobs/${encodeURIComponent(j.job_id)}`).catch(() => undefined)),
        );
        if (!live) return;
        const map: Record<string, JobDetails> = {};
        for (const d of loaded) if (d) map[d.job_id] = d;
        setDetails(map);
      })
      .catch((err) => live && setError(err instanceof ApiError ? problemText(err.problem) : String(err)));
    return () => {
      live = false;
    };
  }, [key]);

  const go = (changes: Record<string, string>) => {
    const merged = { status, name, user_id: user, limit: params.get('limit') ?? '', ...changes };
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
        <div class="field">
          <label for="filter-status">Status</label>
          <select
            id="filter-status"
            value={form.status}
            onChange={(e) => go({ status: e.currentTarget.value, page_token: '' })}
          >
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-name">Name starts with</label>
          <input
            id="filter-name"
            type="search"
            value={form.name}
            onInput={(e) => setForm({ ...form, name: e.currentTarget.value })}
          />
        </div>
        {config.role === 'admin' && (
          <div class="field">
            <label for="filter-user">User</label>
            <input
              id="filter-user"
              type="search"
              value={form.user}
              onInput={(e) => setForm({ ...form, user: e.currentTarget.value })}
            />
          </div>
        )}
        <button type="submit">Filter</button>
      </form>
      {error && <Message kind="error">{error}</Message>}
      {rows === null && !error && <Message kind="info">Loading jobs…</Message>}
      {rows !== null && rows.length === 0 && <Message kind="info">No jobs match.</Message>}
      {rows !== null && rows.length > 0 && (
        <div class="table-wrap">
          <table class="jobs">
            <caption class="visually-hidden">Jobs, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Schedule</th>
                <th scope="col">Status</th>
                <th scope="col">Next run (UTC)</th>
                <th scope="col">Last result</th>
                <th scope="col">Success (last {RECENT_RUNS})</th>
                {config.role === 'admin' && <th scope="col">User</th>}
              </tr>
            </thead>
            <tbody>
              {rows.map((job) => {
                const d = details[job.job_id];
                return (
                  <tr key={job.job_id} data-job-id={job.job_id}>
                    <td>
                      <a href={href(`/jobs/${encodeURIComponent(job.job_id)}`)}>{job.name ?? job.job_id}</a>
                    </td>
                    <td>{d?.spec ? describeSchedule(d.spec as never) : <span class="muted">…</span>}</td>
                    <td>
                      <StatusBadge status={d?.status ?? job.status} />
                    </td>
                    <td>{formatTime(d?.next_run_time ?? job.next_run_time)}</td>
                    <td>
                      <LastResult job={d} />
                    </td>
                    <td>
                      <Rate job={d} />
                    </td>
                    {config.role === 'admin' && <td>{job.user_id}</td>}
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
