/**
 * Keeps only the latest value of each key until taken: many changes between two ticks leave
 * one event per key.
 */
export class Coalescer<K, V> {
  private latest = new Map<K, V>();

  note(key: K, value: V): void {
    this.latest.set(key, value);
  }

  /** What changed since the last take, emptying it. */
  take(): Map<K, V> {
    const taken = this.latest;
    this.latest = new Map();
    return taken;
  }
}
