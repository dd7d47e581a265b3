import { describe, expect, it } from 'vitest';
import { RandomStream, deriveSeed, mix32, uniformsFromSeed } from '../src/randomness.js';

describe('RandomStream', () => {
  it('gives the same seeds for the same seed, and different ones otherwise', () => {
    const a = new RandomStream(42);
    const b = new RandomStream(42);
    const c = new RandomStream(43);
    const sa = Array.from({ length: 100 }, () => a.nextSeed());
    const sb = Array.from({ length: 100 }, () => b.nextSeed());
    const sc = Array.from({ length: 100 }, () => c.nextSeed());
    expect(sa).toEqual(sb);
    expect(new Set(sa).size).toBe(100);
    expect(sa.filter((s, i) => s === sc[i])).toEqual([]);
    for (const s of sa) expect(Number.isInteger(s) && s >= 0 && s < 2 ** 32).toBe(true);
  });

  it('continues exactly from a restored state', () => {
    const original = new RandomStream(2024);
    for (let i = 0; i < 17; i++) original.nextSeed();
    const state = original.state();
    expect(state).toEqual({ seed: 2024, counter: 17 });
    const restored = RandomStream.restore(JSON.parse(JSON.stringify(state)));
    const next = Array.from({ length: 10 }, () => original.nextSeed());
    expect(Array.from({ length: 10 }, () => restored.nextSeed())).toEqual(next);
  });

  it('rejects seeds and states that are not 32-bit counters, naming the field', () => {
    expect(() => new RandomStream(-1)).toThrow(/seed/);
    expect(() => new RandomStream(1.5)).toThrow(/seed/);
    expect(() => new RandomStream(2 ** 32)).toThrow(/seed/);
    expect(() => RandomStream.restore({ seed: 1, counter: -2 })).toThrow(/state\.counter/);
    expect(() => RandomStream.restore({ seed: Number.NaN, counter: 0 })).toThrow(/state\.seed/);
  });

  it('spreads seeds of consecutive draws over all 32 bits', () => {
    const stream = new RandomStream(0);
    const bitCounts = new Array<number>(32).fill(0);
    const n = 4000;
    for (let i = 0; i < n; i++) {
      const s = stream.nextSeed();
      for (let b = 0; b < 32; b++) bitCounts[b] += (s >>> b) & 1;
    }
    for (const count of bitCounts) expect(Math.abs(count / n - 0.5)).toBeLessThan(0.04);
  });
});

describe('mix32 and deriveSeed', () => {
  it('mix32 is a bijection on a sample (no collisions) and changes about half the bits per input bit', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) seen.add(mix32(i));
    expect(seen.size).toBe(10_000);
    let flipped = 0;
    for (let i = 0; i < 1000; i++) flipped += popcount(mix32(i) ^ mix32(i ^ 1));
    expect(flipped / 1000).toBeGreaterThan(14);
    expect(flipped / 1000).toBeLessThan(18);
  });

  it('deriveSeed separates streams', () => {
    expect(deriveSeed(1, 2)).not.toBe(deriveSeed(2, 1));
    expect(deriveSeed(1, 0)).not.toBe(deriveSeed(1));
    expect(deriveSeed(5, 3, 4)).toBe(deriveSeed(5, 3, 4));
  });
});

describe('uniformsFromSeed', () => {
  it('is deterministic, in [0, 1), and roughly uniform', () => {
    const u = uniformsFromSeed(99, 20_000);
    expect(uniformsFromSeed(99, 20_000)).toEqual(u);
    expect(uniformsFromSeed(100, 3)).not.toEqual(u.slice(0, 3));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    const mean = u.reduce((s, x) => s + x, 0) / u.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    const deciles = new Array<number>(10).fill(0);
    for (const x of u) deciles[Math.floor(x * 10)]++;
    for (const d of deciles) expect(Math.abs(d - 2000)).toBeLessThan(200);
  });
});

function popcount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v !== 0; v &= v - 1) n++;
  return n;
}
