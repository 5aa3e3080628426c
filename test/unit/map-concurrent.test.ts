/** mapConcurrent: results in input order, never more than `concurrency` calls in flight. */
import { expect, test } from 'vitest';
import { mapConcurrent } from '../../src/map-concurrent';

test('10 items, 3 lanes, calls ending out of order: results in input order, at most 3 in flight, each item once', async () => {
  let inFlight = 0;
  let most = 0;
  const seen: number[] = [];
  const results = await mapConcurrent([...Array(10).keys()], 3, async (item, index) => {
    seen.push(item);
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise((resolve) => setTimeout(resolve, (10 - item) % 4));
    inFlight--;
    return `${item}:${index}`;
  });
  expect(results).toEqual([...Array(10).keys()].map((i) => `${i}:${i}`));
  expect(most).toBe(3);
  expect([...seen].sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
});

test('no items: no call, an empty result', async () => {
  expect(await mapConcurrent([], 4, async () => 1)).toEqual([]);
});

test('a rejection rejects the whole map, and no lane starts another item after it', async () => {
  const started: number[] = [];
  await expect(
    mapConcurrent([1, 2, 3, 4, 5, 6], 2, async (item) => {
      started.push(item);
      await new Promise((resolve) => setTimeout(resolve, item === 2 ? 1 : 20));
      if (item === 2) throw new Error('item 2 failed');
      return item;
    }),
  ).rejects.toThrow('item 2 failed');
  // Let item 1 (in flight when item 2 failed) end: its lane must not take item 4.
  await new Promise((resolve) => setTimeout(resolve, 40));
  expect(started).toEqual([1, 2]);
});
