/**
 * Bounded concurrency over a list (the batch route's starts, the benchmarks' seeding): runs `task`
 * over `items` with at most `concurrency` calls in flight, each lane taking the next item as soon
 * as its call settles; the results are in input order.
 * @throws the first rejection of `task`; after it no lane starts another item (calls already in
 *   flight run to their end).
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await task(items[index] as T, index);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}
