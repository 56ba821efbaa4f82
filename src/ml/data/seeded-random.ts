/**
 * A small seeded generator for what must not touch libtorch's generator: the order batches are
 * drawn in (one permutation per epoch, a function of seed and epoch alone, so a resumed run draws
 * the same batches without saving them) and the fixed noise of the sample grids.
 */

/** SplitMix32: 32-bit state, full period, good enough for shuffling and sampling. */
export class SeededRandom {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A uniform integer in [0, 2³²). */
  nextUint32(): number {
    this.#state = (this.#state + 0x9e3779b9) >>> 0;
    let z = this.#state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** A uniform number in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A standard normal number (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}

/** Mixes several integers into one seed (each step a SplitMix32 draw). */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) h = new SeededRandom((h ^ (p >>> 0)) >>> 0).nextUint32();
  return h;
}

/** 0 … n−1 shuffled by Fisher–Yates with SeededRandom(seed). */
export function seededPermutation(n: number, seed: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const rng = new SeededRandom(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

/** The indices 0…n−1 in the order epoch `epoch` of a run seeded `seed` visits them. */
export function epochPermutation(n: number, seed: number, epoch: number): Int32Array {
  return seededPermutation(n, mixSeed(seed, epoch, 0x5eed));
}

/** `count` standard normal numbers from `seed`. */
export function normalNoise(count: number, seed: number): Float32Array {
  const rng = new SeededRandom(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = rng.normal();
  return out;
}
