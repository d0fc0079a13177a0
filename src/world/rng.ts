import seedrandom from "seedrandom";

/**
 * A seeded random stream with a seed tree.
 *
 * Derivation: a stream is named by a path. The root stream of seed S has path `S`; its child
 * labelled L has path `S/L`, the grandchild `S/L/M`, and so on. Each stream is seedrandom's
 * `alea` generator seeded with its path string, so the same (root, label path) always yields
 * the same stream, and drawing from one stream never shifts another. New features take a new
 * label, which leaves every existing stream (and so every existing seed's behaviour) intact.
 */
export class Rng {
  private readonly gen: () => number;

  constructor(readonly path: string) {
    this.gen = seedrandom.alea(path);
  }

  static root(seed: number | string): Rng {
    return new Rng(String(seed));
  }

  child(label: string): Rng {
    return new Rng(`${this.path}/${label}`);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.gen();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n > 0)) throw new RangeError(`Rng.int needs n > 0, got ${n}`);
    return Math.floor(this.gen() * n);
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.gen() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("Rng.pick from an empty list");
    return items[this.int(items.length)] as T;
  }

  /** Picks by non-negative weights; entries with weight 0 are never chosen. */
  weighted<T>(entries: ReadonlyArray<readonly [T, number]>): T {
    let total = 0;
    for (const [, w] of entries) total += w;
    if (!(total > 0)) throw new RangeError("Rng.weighted needs a positive total weight");
    let x = this.gen() * total;
    for (const [v, w] of entries) {
      if (x < w) return v;
      x -= w;
    }
    return (entries[entries.length - 1] as readonly [T, number])[0];
  }

  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }
}
