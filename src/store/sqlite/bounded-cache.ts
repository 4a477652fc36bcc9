// Bounded caches for what the embedded store keeps in memory between questions.

/** A least-recently-used cache bounded by a total weight (here: terms held). */
export class BoundedCache<K, V> {
  private map = new Map<K, V>();
  private total = 0;
  constructor(private max: number, private weigh: (v: V) => number) {}
  has(k: K): boolean {
    return this.map.has(k);
  }
  get(k: K): V | undefined {
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }
  set(k: K, v: V): void {
    this.map.set(k, v);
    this.total += this.weigh(v);
    for (const [old, ov] of this.map) {
      if (this.total <= this.max) break;
      this.map.delete(old);
      this.total -= this.weigh(ov);
    }
  }
}
