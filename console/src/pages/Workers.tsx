/**
 * Workers of the task queue (`GET /workers`): identity, host, status, last heartbeat, load out of
 * capacity as a bar; unhealthy and stopped workers stand out. Refreshes every 5 s.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api';
import { Bar, ColumnHeads, Message, StatusBadge } from '../components/Bits';
import { formatTime, relativeTime } from '../lib/format';
import type { WorkerView } from '../types';

const REFRESH_MS = 5_000;

/** The workers page. */
export function WorkersPage() {
  const [workers, setWorkers] = useState<WorkerView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    document.title = 'Workers · Job console';
    const load = () =>
      api
        .workers()
        .then((answer) => {
          setWorkers(answer.workers);
          setError(null);
        })
        .catch((err) => setError(errorText(err)));
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  const unhealthy = workers?.filter((w) => w.status !== 'healthy' && w.status !== 'stopped').length ?? 0;
  return (
    <section>
      <h1>Workers</h1>
      {error && <Message kind="error">{error}</Message>}
      {workers === null && !error && <Message kind="info">Loading workers…</Message>}
      {unhealthy > 0 && <Message kind="error">{unhealthy} worker(s) unhealthy: no heartbeat for 3 intervals.</Message>}
      {workers !== null && workers.length === 0 && <Message kind="info">No worker has reported yet.</Message>}
      {workers !== null && workers.length > 0 && (
        <div class="table-wrap">
          <table class="workers">
            <ColumnHeads names={['Identity', 'Host', 'Status', 'Last heartbeat (UTC)', 'Load / capacity']} />
            <tbody>
              {workers.map((w) => (
                <tr key={w.instance_key} class={`worker-${w.status}`} data-worker-id={w.worker_id}>
                  <td>
                    {w.status === 'unhealthy' && <span aria-hidden="true">⚠ </span>}
                    <code>{w.worker_id}</code>
                  </td>
                  <td>{w.host ?? '—'}</td>
                  <td>
                    <StatusBadge status={w.status} />
                  </td>
                  <td>
                    {formatTime(w.last_heartbeat)}{' '}
                    <span class="muted">({relativeTime(w.last_heartbeat, Date.now())})</span>
                  </td>
                  <td>
                    {w.capacity ? (
                      <Bar
                        value={w.load ?? 0}
                        max={w.capacity}
                        tone={(w.load ?? 0) / w.capacity > 0.9 ? 'bad' : 'good'}
                        label={`${w.load ?? 0} / ${w.capacity}`}
                      />
                    ) : (
                      <span class="muted">{w.load ?? '—'}</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
