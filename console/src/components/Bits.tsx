/**
 * Small display pieces: a labelled bar, a success-rate bar, a status badge, a health badge, a status
 * message, a list of run times.
 */
import type { ComponentChildren } from 'preact';
import { clockChangeNotes } from '../lib/clock-changes';
import { formatTime } from '../lib/format';
import { healthTone } from '../lib/health';
import { formatRate, rateSegments, type SuccessRate } from '../lib/success-rate';

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

/**
 * The success rate of recent runs as a bar: the succeeded part green, the failed part red (a job
 * whose runs all failed is a full red bar), with `85 % of 20` as its text and accessible name.
 */
export function RateBar({ rate }: { rate: SuccessRate }) {
  const parts = rateSegments(rate);
  const label = `${formatRate(rate)} of ${rate.runs}`;
  const text = rate.failed > 0 ? `${label}, ${rate.failed} failed` : label;
  return (
    <span class="bar-wrap">
      <span class="bar rate-bar" role="img" aria-label={text}>
        <span class="bar-fill tone-good" data-part="succeeded" style={{ width: `${parts.succeeded}%` }} />
        <span class="bar-fill tone-bad" data-part="failed" style={{ width: `${parts.failed}%` }} />
      </span>
      <span class="bar-text">{label}</span>
    </span>
  );
}

/**
 * The palette colour of a badge: `--<tone>` (styles.css) for its text and border, `--<tone>-bg`
 * behind it; `neutral` is the grey of ended things (`--ended`).
 */
function toneStyle(tone: 'pending' | 'running' | 'warn' | 'good' | 'bad' | 'neutral') {
  const colour = tone === 'neutral' ? 'ended' : tone;
  return { '--tone': `var(--${colour})`, '--tone-bg': `var(--${colour}-bg)` };
}

/**
 * A job's health state as a badge (failing red, late amber, ok green, unknown grey); `title` may
 * explain it (a tooltip). Screen readers hear "Health: failing".
 */
export function HealthBadge({ state, title }: { state: string; title?: string }) {
  return (
    <span class="badge health" style={toneStyle(healthTone(state))} data-health={state} title={title}>
      <span class="visually-hidden">Health: </span>
      {state}
    </span>
  );
}

/** The tone of a job, ledger, attempt or worker status word; an unknown word is `neutral` (grey). */
const STATUS_TONES: Record<string, 'pending' | 'running' | 'warn' | 'good' | 'bad'> = {
  pending: 'pending',
  healthy: 'pending',
  running: 'running',
  paused: 'warn',
  skipped: 'warn',
  completed: 'good',
  succeeded: 'good',
  failed: 'bad',
  timed_out: 'bad',
  worker_lost: 'bad',
  unhealthy: 'bad',
};

/** A job, ledger, attempt or worker status word as a coloured badge (the word itself is the text). */
export function StatusBadge({ status }: { status: string }) {
  return (
    <span class="badge" style={toneStyle(STATUS_TONES[status] ?? 'neutral')}>
      {status}
    </span>
  );
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

/** A table's head: one column header (`<th scope="col">`) per name, in order. */
export function ColumnHeads({ names }: { names: readonly string[] }) {
  return (
    <thead>
      <tr>
        {names.map((name) => (
          <th key={name} scope="col">
            {name}
          </th>
        ))}
      </tr>
    </thead>
  );
}
