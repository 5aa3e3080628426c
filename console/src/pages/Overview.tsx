/**
 * Overview: the caller's jobs by status, succeeded vs failed runs per hour over the last 24 h
 * (uPlot bars, with the same figures in a table for screen readers), and the fire lag p50/p99,
 * all from `GET /stats/overview`.
 */
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { ApiError, api } from '../api';
import { Message, StatusBadge } from '../components/Bits';
import { formatDuration, formatTime } from '../lib/format';
import { problemText } from '../lib/problems';
import { href } from '../router';
import type { ConsoleConfig, OverviewStats } from '../types';

const STATUSES = ['pending', 'running', 'paused', 'completed', 'failed', 'cancelled'];

function HourlyChart({ stats }: { stats: OverviewStats }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const hours = stats.executions_per_hour;
    const xs = hours.map((h) => Date.parse(h.hour) / 1000);
    const width = () => Math.max(280, el.clientWidth);
    const bars = uPlot.paths.bars;
    const plot = new uPlot(
      {
        width: width(),
        height: 220,
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [{ stroke: '#333' }, { stroke: '#333', label: 'runs' }],
        series: [
          { label: 'Hour (local)' },
          {
            label: 'Succeeded',
            stroke: '#1a7f37',
            fill: 'rgba(26,127,55,0.55)',
            points: { show: false },
            ...(bars ? { paths: bars({ size: [0.4, 40], align: -1 }) } : {}),
          },
          {
            label: 'Failed',
            stroke: '#b42318',
            fill: 'rgba(180,35,24,0.6)',
            points: { show: false },
            ...(bars ? { paths: bars({ size: [0.4, 40], align: 1 }) } : {}),
          },
        ],
      },
      [xs, hours.map((h) => h.succeeded), hours.map((h) => h.failed)],
      el,
    );
    const onResize = () => plot.setSize({ width: width(), height: 220 });
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      plot.destroy();
    };
  }, [stats]);
  return (
    <div ref={box} class="chart" role="img" aria-label="Runs per hour over the last 24 hours, succeeded and failed" />
  );
}

/** The overview page (figures of the caller's jobs; an admin's cover every user). */
export function OverviewPage({ config }: { config: ConsoleConfig }) {
  const [stats, setStats] = useState<OverviewStats | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    document.title = 'Overview · Job console';
    api<OverviewStats>('GET', '/stats/overview')
      .then(setStats)
      .catch((err) => setError(err instanceof ApiError ? problemText(err.problem) : String(err)));
  }, []);
  if (error) return <Message kind="error">{error}</Message>;
  if (!stats) return <Message kind="info">Loading overview…</Message>;
  const totals = stats.executions_per_hour.reduce(
    (t, h) => ({ succeeded: t.succeeded + h.succeeded, failed: t.failed + h.failed }),
    { succeeded: 0, failed: 0 },
  );
  return (
    <section>
      <h1>Overview</h1>
      <p class="muted">
        {config.role === 'admin' ? 'All jobs' : 'Your jobs'} · computed {formatTime(stats.generated_at)} UTC
        {stats.jobs_truncated && ' · counts are of the newest 1,000 jobs'}
      </p>
      <div class="grid">
        <section class="card" aria-labelledby="h-status">
          <h2 id="h-status">Jobs by status</h2>
          <ul class="status-counts">
            {STATUSES.map((s) => (
              <li key={s}>
                <a href={href(`/jobs?status=${s}`)}>
                  <StatusBadge status={s} /> <strong>{stats.jobs_by_status[s] ?? 0}</strong>
                </a>
              </li>
            ))}
          </ul>
          <p>
            Total: <strong>{stats.jobs_total}</strong>
          </p>
        </section>
        <section class="card" aria-labelledby="h-lag">
          <h2 id="h-lag">Fire lag (24 h)</h2>
          <dl class="facts">
            <div>
              <dt>p50</dt>
              <dd>{formatDuration(stats.fire_lag.p50_ms)}</dd>
            </div>
            <div>
              <dt>p99</dt>
              <dd>{formatDuration(stats.fire_lag.p99_ms)}</dd>
            </div>
            <div>
              <dt>Runs measured</dt>
              <dd>{stats.fire_lag.samples}</dd>
            </div>
          </dl>
          <p class="hint">
            First attempt's start minus the scheduled time, for scheduled runs that ended in the last 24 h.
          </p>
        </section>
      </div>
      <section class="card" aria-labelledby="h-hourly">
        <h2 id="h-hourly">Runs per hour, last 24 h</h2>
        <p>
          {totals.succeeded} succeeded, {totals.failed} failed (ledgers of the {stats.ledgers_read} most recently run
          jobs).
        </p>
        <HourlyChart stats={stats} />
        <details>
          <summary>As a table</summary>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Hour (UTC)</th>
                  <th scope="col">Succeeded</th>
                  <th scope="col">Failed</th>
                </tr>
              </thead>
              <tbody>
                {stats.executions_per_hour.map((h) => (
                  <tr key={h.hour}>
                    <td>{formatTime(h.hour).slice(0, 16)}</td>
                    <td>{h.succeeded}</td>
                    <td>{h.failed}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      </section>
    </section>
  );
}
