/**
 * Overview: the caller's jobs by status and by health (failing in red; each count links to the
 * jobs list filtered by it), succeeded vs failed runs per hour over the last 24 h
 * (uPlot bars, with the same figures in a table for screen readers), and the fire lag p50/p99,
 * all from `GET /stats/overview`, refreshed every 5 s while the page is visible.
 */
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { api, errorText } from '../api';
import { ColumnHeads, HealthBadge, Message, StatusBadge } from '../components/Bits';
import { usePolling } from '../components/hooks';
import { formatDuration, formatTime } from '../lib/format';
import { HEALTH_STATES, healthTone } from '../lib/health';
import { href } from '../router';
import type { ConsoleConfig, OverviewStats } from '../types';

const STATUSES = ['pending', 'running', 'paused', 'completed', 'failed', 'cancelled'];
const REFRESH_MS = 5_000;
const HOUR_S = 3600;
const CHART_HEIGHT = 220;
const DARK = '(prefers-color-scheme: dark)';

/** The chart's colours: the theme's custom properties (styles.css), read when it is drawn. */
function chartColours(el: HTMLElement) {
  const style = getComputedStyle(el);
  const read = (name: string) => style.getPropertyValue(name).trim();
  return {
    axis: read('--chart-axis'),
    grid: read('--chart-grid'),
    good: read('--chart-good'),
    goodFill: read('--chart-good-fill'),
    bad: read('--chart-bad'),
    badFill: read('--chart-bad-fill'),
  };
}

/** The columns of the chart: each hour's bars sit in the middle of its slot (x in seconds). */
function chartData(stats: OverviewStats): uPlot.AlignedData {
  const hours = stats.executions_per_hour;
  return [
    hours.map((h) => Date.parse(h.hour) / 1000 + HOUR_S / 2),
    hours.map((h) => h.succeeded),
    hours.map((h) => h.failed),
  ];
}

/** True while the system asks for the dark theme; follows its changes. */
function useDarkScheme(): boolean {
  const [dark, setDark] = useState(() => window.matchMedia(DARK).matches);
  useEffect(() => {
    const query = window.matchMedia(DARK);
    const onChange = () => setDark(query.matches);
    query.addEventListener('change', onChange);
    return () => query.removeEventListener('change', onChange);
  }, []);
  return dark;
}

function HourlyChart({ stats }: { stats: OverviewStats }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const dark = useDarkScheme();
  const latest = useRef(stats);
  latest.current = stats;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const colours = chartColours(el);
    const width = () => Math.max(280, el.clientWidth);
    const bars = uPlot.paths.bars;
    const axis = { stroke: colours.axis, grid: { stroke: colours.grid }, ticks: { stroke: colours.grid } };
    const created = new uPlot(
      {
        width: width(),
        height: CHART_HEIGHT,
        scales: {
          // Whole hour slots, first to last: the bars of the current hour are drawn inside the plot.
          x: {
            time: true,
            range: (_u, min, max) => [min - HOUR_S / 2, max + HOUR_S / 2],
          },
          y: { range: (_u, _min, max) => [0, Math.max(1, max)] },
        },
        axes: [{ ...axis }, { ...axis, label: 'runs' }],
        series: [
          {
            label: 'Hour (local)',
            // A column's x is the middle of its hour: name the hour it covers.
            value: (_u, v) =>
              v === null
                ? '—'
                : new Date((v - HOUR_S / 2) * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }),
          },
          {
            label: 'Succeeded',
            stroke: colours.good,
            fill: colours.goodFill,
            points: { show: false },
            ...(bars ? { paths: bars({ size: [0.4, 40], align: -1 }) } : {}),
          },
          {
            label: 'Failed',
            stroke: colours.bad,
            fill: colours.badFill,
            points: { show: false },
            ...(bars ? { paths: bars({ size: [0.4, 40], align: 1 }) } : {}),
          },
        ],
      },
      chartData(latest.current),
      el,
    );
    plot.current = created;
    const onResize = () => created.setSize({ width: width(), height: CHART_HEIGHT });
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      created.destroy();
      plot.current = null;
    };
  }, [dark]);

  useEffect(() => {
    plot.current?.setData(chartData(stats));
  }, [stats]);

  return (
    <div ref={box} class="chart" role="img" aria-label="Runs per hour over the last 24 hours, succeeded and failed" />
  );
}

/** The overview page (figures of the caller's jobs; an admin's cover every user). */
export function OverviewPage({ config }: { config: ConsoleConfig }) {
  const [stats, setStats] = useState<OverviewStats | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () =>
    api
      .overview()
      .then((answer) => {
        setStats(answer);
        setError(null);
      })
      .catch((err) => setError(errorText(err)));
  useEffect(() => {
    document.title = 'Overview · Job console';
    void load();
  }, []);
  usePolling(load, REFRESH_MS);
  if (error && !stats) return <Message kind="error">{error}</Message>;
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
        {stats.jobs_truncated && ' · counts are of the newest 1,000 jobs'} · refreshes every 5 s
      </p>
      {error && <Message kind="error">{error}</Message>}
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
        <section class="card" aria-labelledby="h-health">
          <h2 id="h-health">Jobs by health</h2>
          <ul class="status-counts health-counts">
            {HEALTH_STATES.map((h) => {
              const count = stats.jobs_by_health?.[h] ?? 0;
              return (
                <li key={h} data-health={h} class={count > 0 ? `health-count-${healthTone(h)}` : undefined}>
                  <a href={href(`/jobs?health=${h}`)}>
                    <HealthBadge state={h} /> <strong>{count}</strong>
                  </a>
                </li>
              );
            })}
          </ul>
          <p class="hint">
            Failing: the latest run failed. Late: no success within the job's expected time, or a run started too late.
            Unknown: no run has ended yet.
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
              <ColumnHeads names={['Hour (UTC)', 'Succeeded', 'Failed']} />
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
