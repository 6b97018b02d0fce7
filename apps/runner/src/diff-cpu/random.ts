/**
 * A small seeded pseudo-random generator (mulberry32) for the differential instruction
 * generator. Deterministic across platforms and Node versions; not for anything secret.
 */

/** Seeded generator of 32-bit integers and choices. */
export class SeededRandom {
  private state: number;

  /** Starts a stream from `seed` and `stream` (e.g. the sequence index), so each sequence is reproducible alone. */
  constructor(seed: number, stream = 0) {
    this.state = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(stream >>> 0, 0x85ebca77) ^ 0x6d2b79f5) >>> 0;
    for (let warm = 0; warm < 4; warm++) this.nextUint32();
  }

  /** The next uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let mixed = this.state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return (mixed ^ (mixed >>> 14)) >>> 0;
  }

  /** An integer in [0, bound). */
  below(bound: number): number {
    return Math.floor((this.nextUint32() / 0x1_0000_0000) * bound);
  }

  /** An integer in [low, high]. */
  between(low: number, high: number): number {
    return low + this.below(high - low + 1);
  }

  /** True with probability `probability`. */
  chance(probability: number): boolean {
    return this.nextUint32() / 0x1_0000_0000 < probability;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    const item = items[this.below(items.length)];
    if (item === undefined) throw new Error('SeededRandom.pick: empty list');
    return item;
  }

  /** A 32-bit value biased towards the edge cases arithmetic gets wrong. */
  interestingUint32(): number {
    switch (this.below(10)) {
      case 0:
        return this.pick([0, 1, 2, 0xffffffff, 0x80000000, 0x7fffffff, 0xfffffffe, 0x80000001]);
      case 1:
        return this.pick([0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000]);
      case 2:
        return this.below(16);
      case 3:
        return (0xffffffff - this.below(16)) >>> 0;
      case 4:
        return (1 << this.below(32)) >>> 0;
      case 5:
        return this.below(0x100) * 0x01010101;
      default:
        return this.nextUint32();
    }
  }
}
