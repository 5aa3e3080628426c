import { describe, expect, it } from 'vitest';
import { isDuration, MAX_DURATION_MS, parseDuration } from '../../src/domain/duration';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['90s', 90 * SECOND],
    ['15m', 15 * MINUTE],
    ['1h30m', HOUR + 30 * MINUTE],
    ['1d', DAY],
    ['0s', 0],
    ['1m1ms', MINUTE + 1],
    ['1d2h3m4s5ms', DAY + 2 * HOUR + 3 * MINUTE + 4 * SECOND + 5],
  ])('parses %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('accepts exactly 366 days, in any unit', () => {
    expect(MAX_DURATION_MS).toBe(366 * DAY);
    expect(parseDuration('366d')).toBe(366 * DAY);
    expect(parseDuration('8784h')).toBe(366 * DAY);
  });

  it.each(['367d', '8785h', '366d1ms'])('refuses %j: longer than 366 days', (text) => {
    expect(() => parseDuration(text)).toThrow(RangeError);
    expect(() => parseDuration(text)).toThrow(/longer than 366 days/);
  });

  it.each([
    ['', 'empty'],
    ['15', 'no unit'],
    ['m', 'no number'],
    ['1.5h', 'a fraction'],
    ['-1s', 'negative'],
    ['1y', 'an unknown unit'],
    [' 15m', 'leading space'],
    ['15m ', 'trailing space'],
    ['15M', 'an upper-case unit'],
    ['1h 30m', 'a space between parts'],
  ])('refuses %j (%s)', (text) => {
    expect(() => parseDuration(text)).toThrow(RangeError);
    expect(() => parseDuration(text)).toThrow(/is not a duration/);
  });
});

describe('isDuration', () => {
  it.each(['500ms', '90s', '15m', '1h30m', '1d', '366d'])('is true for %j', (text) => {
    expect(isDuration(text)).toBe(true);
  });

  it.each(['', '15', 'm', '1.5h', '-1s', '1y', '367d'])('is false for %j', (text) => {
    expect(isDuration(text)).toBe(false);
  });
});
