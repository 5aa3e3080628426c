/**
 * A memo cache that keeps at most `limit` entries and drops the least recently used one when
 * full (a `Map` keeps insertion order; a hit moves its key to the end). Pure and workflow-safe.
 * The domain's caches of parsed crons, schedule patterns and time zone tables use it; in a
 * worker they are shared by every workflow (see src/workers/workflow-bundle.ts).
 */
export class BoundedCache<K, V> {
  private readonly entries = new Map<K, V>();

  /**
   * @param limit the most entries kept, at least 1.
   * @throws {RangeError} when `limit` is not an integer of at least 1.
   */
  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be an integer ≥ 1, got ${limit}`);
  }

  /** The value cached under `key` (now the most recently used), or undefined. */
  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  /** Caches `value` under `key` as the most recently used, dropping the least recently used entry when full. */
  set(key: K, value: V): void {
    this.entries.delete(key);
    if (this.entries.size >= this.limit) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(key, value);
  }

  /** How many entries are cached. */
  get size(): number {
    return this.entries.size;
  }
}
