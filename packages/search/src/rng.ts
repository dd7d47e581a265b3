/**
 * Seeded pseudo-random numbers: sfc32 (Doty-Humphrey's small fast chaotic generator), seeded
 * through splitmix32 so that nearby seeds give unrelated streams. Every random choice in this
 * package comes from an Rng built from a stored seed, never from Math.random.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [low, high] (inclusive). */
  int(low: number, high: number): number;
  /** Standard normal. */
  normal(): number;
  /** Internal state, to resume a stream exactly (a pending spare normal is not kept). */
  state(): [number, number, number, number];
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Mixes a seed with stream identifiers (e.g. trial number) into one 32-bit seed. */
export function deriveSeed(seed: number, ...streams: number[]): number {
  let h = splitmix32(seed >>> 0)();
  for (const s of streams) h = splitmix32((h ^ Math.imul(s >>> 0, 0x27d4eb2f)) >>> 0)();
  return h;
}

export function createRng(seed: number, ...streams: number[]): Rng {
  const mix = splitmix32(deriveSeed(seed, ...streams));
  const rng = rngFromState([mix(), mix(), mix(), mix() | 1]);
  // Burn in so that weak seeds mix fully.
  for (let i = 0; i < 12; i++) rng.next();
  return rng;
}

export function rngFromState(initial: readonly [number, number, number, number]): Rng {
  let [a, b, c, d] = initial.map((x) => x >>> 0);
  const nextUint32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  let spareNormal: number | null = null;
  const next = (): number => (nextUint32() * 2 ** 21 + (nextUint32() >>> 11)) / 2 ** 53;
  return {
    next,
    int: (low, high) => low + Math.floor(next() * (high - low + 1)),
    normal: () => {
      if (spareNormal !== null) {
        const z = spareNormal;
        spareNormal = null;
        return z;
      }
      let u = 0;
      while (u === 0) u = next();
      const r = Math.sqrt(-2 * Math.log(u));
      const theta = 2 * Math.PI * next();
      spareNormal = r * Math.sin(theta);
      return r * Math.cos(theta);
    },
    state: () => [a, b, c, d],
  };
}
