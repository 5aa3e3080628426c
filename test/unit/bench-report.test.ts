/** Markdown rendering of benchmark results (bench/lib/report.ts). */
import { describe, expect, it } from 'vitest';
import {
  BENCHMARKS_HEADER,
  type BenchResult,
  formatNumber,
  metric,
  renderBenchmarks,
  renderResult,
  renderSection,
} from '../../bench/lib/report';

const machine = {
  cores: 2,
  cpuModel: 'Test CPU',
  memoryGiB: 24,
  node: 'v20.0.0',
  temporal: 'temporal version 1.9.1 (Server 1.32.0, UI 2.54.0)',
  os: 'Linux 6.1 x64',
};

function result(name: string, scale: 'smoke' | 'full' = 'full'): BenchResult {
  return {
    name,
    title: `Title of ${name}`,
    description: 'What it measures.',
    scale,
    command: `npm run bench -- ${name}`,
    date: '2026-11-23T12:00:00.000Z',
    durationS: 61,
    machine,
    settings: { workers: 2 },
    sections: [
      {
        title: '1,000 jobs',
        repeats: 3,
        metrics: [metric('lag p50', 'ms', [12.5, 10, 11]), metric('lost', 'count', [0, 0, Number.NaN])],
      },
    ],
    goals: [{ goal: 'p50 ≤ 30 ms', measured: '11 ms', met: true }],
    notes: ['A note.'],
  };
}

describe('formatNumber', () => {
  it('formats integers, decimals, NaN and infinities', () => {
    expect(formatNumber(12_345)).toBe('12,345');
    expect(formatNumber(123.4)).toBe('123');
    expect(formatNumber(12.34)).toBe('12.3');
    expect(formatNumber(1.234)).toBe('1.23');
    expect(formatNumber(0.01234)).toBe('0.012');
    expect(formatNumber(Number.NaN)).toBe('n/a');
    expect(formatNumber(Number.POSITIVE_INFINITY)).toBe('∞');
  });
});

describe('rendering', () => {
  it('renders a section as a table with min, median, max and the runs', () => {
    const md = renderSection(result('x').sections[0] as BenchResult['sections'][number]);
    expect(md).toContain('#### 1,000 jobs (3 runs)');
    expect(md).toContain('| lag p50 | ms | 10 | 11 | 12.5 | 12.5, 10, 11 |');
    expect(md).toContain('| lost | count | 0 | 0 | 0 | 0, 0, n/a |');
  });
  it('renders provenance, goals and notes of a result, and marks smoke runs', () => {
    const md = renderResult(result('burst'));
    expect(md).toContain('### Title of burst (`burst`)');
    expect(md).toContain('`npm run bench -- burst`');
    expect(md).toContain('2 cores (Test CPU), 24 GiB');
    expect(md).toContain('Settings: workers=2.');
    expect(md).toContain('| p50 ≤ 30 ms | 11 ms | yes |');
    expect(md).toContain('- A note.');
    expect(md).not.toContain('SMOKE');
    expect(renderResult(result('burst', 'smoke'))).toContain('SMOKE RUN');
  });
  it('renders all results in benchmark order after the header', () => {
    const md = renderBenchmarks([result('peers'), result('zzz'), result('fire-lag'), result('burst')]);
    expect(md.startsWith(BENCHMARKS_HEADER)).toBe(true);
    const order = ['`fire-lag`', '`burst`', '`peers`', '`zzz`'].map((n) => md.indexOf(`(${n})`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(md.endsWith('\n')).toBe(true);
    expect(renderBenchmarks([])).toContain('No results yet.');
  });
  it('escapes pipes in cells', () => {
    const r = result('x');
    r.goals = [{ goal: 'a | b', measured: 'c', met: null }];
    expect(renderResult(r)).toContain('| a \\| b | c | n/a |');
  });
});
