/** BoundedCache: at most `limit` entries, the least recently used dropped first. */
import { expect, test } from 'vitest';
import { BoundedCache } from '../../src/domain/bounded-cache';

test('limit 2: a hit keeps an entry, the least recently used one is dropped when a third comes', () => {
  const cache = new BoundedCache<string, number>(2);
  cache.set('a', 1);
  cache.set('b', 2);
  expect(cache.get('a')).toBe(1); // a is now more recent than b
  cache.set('c', 3);
  expect(cache.get('b')).toBeUndefined();
  expect(cache.get('a')).toBe(1);
  expect(cache.get('c')).toBe(3);
  expect(cache.size).toBe(2);
});

test('setting a cached key again replaces its value without dropping another entry', () => {
  const cache = new BoundedCache<string, number>(2);
  cache.set('a', 1);
  cache.set('b', 2);
  cache.set('a', 10);
  expect(cache.size).toBe(2);
  expect(cache.get('a')).toBe(10);
  expect(cache.get('b')).toBe(2);
});

test('a limit below 1 or not an integer is refused', () => {
  expect(() => new BoundedCache(0)).toThrow(RangeError);
  expect(() => new BoundedCache(1.5)).toThrow(RangeError);
});
