/**
 * Benchmark of the schedule walk (not a test): time per occurrence of `nextOccurrence` for
 * 100,000 successive occurrences, the walk the job workflow does once per occurrence.
 * Run: npx tsx scripts/schedule-bench.ts
 */
import { nextOccurrence, occurrenceAtOrAfter, type ScheduleFields } from '../src/domain/schedule';
import { offsetAt } from '../src/domain/time-zone';

const CASES: Array<[string, ScheduleFields, string]> = [
  [
    'cron * * * * * * (per second), America/New_York',
    { frequency: 'cron', cron: '* * * * * *', timezone: 'America/New_York', created_at: '' },
    '2026-03-07T00:00:00Z',
  ],
  [
    'cron 23 0-20/2 * * *, Europe/Berlin',
    { frequency: 'cron', cron: '23 0-20/2 * * *', timezone: 'Europe/Berlin', created_at: '' },
    '2026-01-01T00:00:00Z',
  ],
  [
    'cron */5 * * * *, Australia/Lord_Howe',
    { frequency: 'cron', cron: '*/5 * * * *', timezone: 'Australia/Lord_Howe', created_at: '' },
    '2026-01-01T00:00:00Z',
  ],
  [
    'daily 02:30, America/New_York',
    { frequency: 'daily', execution_time: '2026-01-01T07:30:00Z', timezone: 'America/New_York', created_at: '' },
    '2026-01-01T00:00:00Z',
  ],
  [
    'interval 1s',
    { frequency: 'interval', every: '1s', execution_time: '2026-01-01T00:00:00Z', timezone: 'UTC', created_at: '' },
    '2026-01-01T00:00:00Z',
  ],
];
const COUNT = 100_000;

for (const [label, spec, from] of CASES) {
  const started = performance.now();
  let at = occurrenceAtOrAfter(spec, Date.parse(from));
  let n = 1;
  const first = at;
  while (at !== null && n < COUNT) {
    at = nextOccurrence(spec, at);
    n++;
  }
  const elapsed = performance.now() - started;
  const span = first === null || at === null ? 0 : (at - first) / 86_400_000;
  console.log(
    `${label}: ${n} occurrences over ${span.toFixed(1)} days in ${elapsed.toFixed(0)} ms (${((elapsed * 1000) / n).toFixed(1)} µs each)`,
  );
}

// First use of a zone-year builds its transition table from Intl (later lookups are cached).
const coldStarted = performance.now();
for (let year = 2030; year < 2040; year++) offsetAt('Europe/Paris', Date.UTC(year, 5, 1));
console.log(`transition tables: ${((performance.now() - coldStarted) / 10).toFixed(2)} ms per new zone-year`);
