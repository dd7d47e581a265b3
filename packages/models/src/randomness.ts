/**
 * The one source of randomness in a model: fractional-pool positions, dropout masks and data
 * augmentation each take a fresh 32-bit seed from a RandomStream. A stream is a seed and a
 * counter, so its whole state is two integers: a checkpoint stores `state()` and a resumed run
 * continues with exactly the draws the uninterrupted run would have made.
 */

const UINT32 = 2 ** 32;

function isUint32(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < UINT32;
}

/**
 * splitmix32's output function (the 32-bit variant of Steele, Lea & Flood, "Fast splittable
 * pseudorandom number generators", OOPSLA 2014, with the murmur3 finaliser constants): a bijection
 * on 32-bit integers whose outputs for consecutive inputs look independent.
 */
export function mix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** Mixes a seed with stream identifiers (layer index, draw number…) into one 32-bit seed. */
export function deriveSeed(seed: number, ...streams: number[]): number {
  let h = mix32((seed >>> 0) + 0x9e3779b9);
  for (const s of streams) h = mix32((h ^ mix32((s >>> 0) + 0x7f4a7c15)) + 0x9e3779b9);
  return h;
}

export interface RandomStreamState {
  readonly seed: number;
  readonly counter: number;
}

export class RandomStream {
  readonly #seed: number;
  #counter: number;

  /** @param seed an integer in [0, 2^32) */
  constructor(seed: number) {
    if (!isUint32(seed)) throw new RangeError(`RandomStream seed must be an integer in [0, 2^32), got ${String(seed)}`);
    this.#seed = seed;
    this.#counter = 0;
  }

  /** A 32-bit seed for the next random operation; each call gives a different, unrelated one. */
  nextSeed(): number {
    const value = deriveSeed(this.#seed, this.#counter);
    this.#counter += 1;
    return value;
  }

  state(): RandomStreamState {
    return { seed: this.#seed, counter: this.#counter };
  }

  /** The stream that continues where `state()` was taken. */
  static restore(state: RandomStreamState): RandomStream {
    if (state === null || typeof state !== 'object') throw new TypeError('RandomStream state must be an object { seed, counter }');
    if (!isUint32(state.seed)) throw new RangeError(`RandomStream state.seed must be an integer in [0, 2^32), got ${String(state.seed)}`);
    if (!Number.isSafeInteger(state.counter) || state.counter < 0) {
      throw new RangeError(`RandomStream state.counter must be a non-negative integer, got ${String(state.counter)}`);
    }
    const stream = new RandomStream(state.seed);
    stream.#counter = state.counter;
    return stream;
  }
}

/**
 * Uniform draws in [0, 1) from a seed, for randomness computed in JavaScript rather than by a
 * tfjs op (pool window positions). Each draw takes 53 bits from two mixed counter values.
 */
export function uniformsFromSeed(seed: number, count: number): number[] {
  if (!isUint32(seed)) throw new RangeError(`seed must be an integer in [0, 2^32), got ${String(seed)}`);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const hi = deriveSeed(seed, 2 * i) >>> 5;
    const lo = deriveSeed(seed, 2 * i + 1) >>> 6;
    out.push((hi * 2 ** 26 + lo) / 2 ** 53);
  }
  return out;
}
