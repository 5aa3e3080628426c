/** Small display pieces: a labelled bar, a status badge, a status message, a list of run times. */
import type { ComponentChildren } from 'preact';
import { clockChangeNotes } from '../lib/clock-changes';
import { formatTime } from '../lib/format';

/**
 * A horizontal bar of `value` out of `max`, with a text label (also the bar's accessible name).
 * @param tone `good` / `bad` / `neutral` colours the filled part.
 */
export function Bar({
  value,
  max,
  label,
  tone = 'neutral',
}: {
  value: number;
  max: number;
  label: string;
  tone?: 'good' | 'bad' | 'warn' | 'neutral';
}) {
  const ratio = max > 0 ? Math.min(1, Math.max(0, value / max)) : 0;
  return (
    <span class="bar-wrap">
      <span class="bar" role="img" aria-label={label}>
        <span class={`bar-fill tone-${tone}`} style={{ width: `${Math.round(ratio * 100)}%` }} />
      </span>
      <span class="bar-text">{label}</span>
    </span>
  );
}

/** A job, ledger or worker status word as a coloured badge (the word itself is the text). */
export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status.replace(/[^a-z_]/g, '')}`}>{status}</span>;
}

/** A polite live region: results of actions, loading and errors. */
export function Message({ kind, children }: { kind: 'info' | 'error' | 'success'; children: ComponentChildren }) {
  return (
    <p class={`message message-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </p>
  );
}

/**
 * Run times as an ordered list: each in UTC, and also in `zone` (an IANA name) unless that is UTC,
 * with a note under each run a clock change moves (../lib/clock-changes.ts).
 * @param times ISO-8601 instants (UTC), in order; each `li` carries it as `data-time`.
 * @param id the list's element id (the form's preview uses `preview-times`).
 */
export function RunTimes({ times, zone, id }: { times: string[]; zone: string; id?: string }) {
  const notes = clockChangeNotes(times, zone);
  return (
    <ol class="next-runs" id={id}>
      {times.map((t, i) => (
        <li key={t} data-time={t}>
          <time dateTime={t}>{formatTime(t)} UTC</time>
          {zone !== 'UTC' && (
            <span class="muted">
              {' '}
              · {formatTime(t, zone)} {zone}
            </span>
          )}
          {notes[i] && <span class="clock-note">{notes[i]}</span>}
        </li>
      ))}
    </ol>
  );
}
