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

test('no items: no call, an empty result; a rejection rejects the whole map', async () => {
  expect(await mapConcurrent([], 4, async () => 1)).toEqual([]);
  await expect(
    mapConcurrent([1, 2, 3], 2, async (item) => {
      if (item === 2) throw new Error('item 2 failed');
      return item;
    }),
  ).rejects.toThrow('item 2 failed');
});
