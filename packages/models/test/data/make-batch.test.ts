import { describe, expect, it } from 'vitest';
import { DatasetError } from '../../src/data/dataset-error.js';
import { makeBatch, type SeedSource } from '../../src/data/make-batch.js';
import type { ImageSplit } from '../../src/data/image-split.js';
import { RandomStream } from '../../src/randomness.js';
import { sameBytes } from './fixtures.js';

const IDENTITY = { mean: [0, 0, 0], std: [1, 1, 1] } as const;

/**
 * Image i: R = 8·row + 1, G = 8·col + 1, B = 100 + i, so every output pixel tells which source
 * pixel it came from, and padding (0, 0, 0 under the identity normalisation) is distinguishable.
 */
function positionalSplit(count: number): ImageSplit {
  const images = new Uint8Array(count * 3072);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = (i * 3) % 10;
    for (let row = 0; row < 32; row++) {
      for (let col = 0; col < 32; col++) {
        const q = ((i * 32 + row) * 32 + col) * 3;
        images[q] = 8 * row + 1;
        images[q + 1] = 8 * col + 1;
        images[q + 2] = 100 + i;
      }
    }
  }
  return { images, labels, count };
}

/** Recovers (dy, dx, flip) from an augmented positional image and checks every pixel agrees with it. */
function inferTransform(x: Float32Array, image: number, source: number): { dy: number; dx: number; flip: boolean } {
  let found: { dy: number; dx: number; flip: boolean } | null = null;
  for (const flip of [false, true]) {
    for (let dy = -4; dy <= 4; dy++) {
      for (let dx = -4; dx <= 4; dx++) {
        let ok = true;
        for (let row = 0; row < 32 && ok; row++) {
          for (let col = 0; col < 32 && ok; col++) {
            const q = ((image * 32 + row) * 32 + col) * 3;
            const sr = row + dy;
            const sc = (flip ? 31 - col : col) + dx;
            const inside = sr >= 0 && sr < 32 && sc >= 0 && sc < 32;
            const want = inside ? [8 * sr + 1, 8 * sc + 1, 100 + source] : [0, 0, 0];
            ok = x[q] === want[0] && x[q + 1] === want[1] && x[q + 2] === want[2];
          }
        }
        if (ok) {
          expect(found, 'exactly one transform matches').toBeNull();
          found = { dy, dx, flip };
        }
      }
    }
  }
  expect(found, `image ${image} is a padded crop, optionally mirrored, of image ${source}`).not.toBeNull();
  return found!;
}

describe('makeBatch', () => {
  it('gathers the indexed images in order and normalises each channel with its own mean and std', () => {
    const split = positionalSplit(4);
    const norm = { mean: [1, 2, 3], std: [2, 4, 8] };
    const { x, y, count } = makeBatch(split, [2, 0], norm, null);
    expect(count).toBe(2);
    expect(Array.from(y)).toEqual([6, 0]);
    expect(x.length).toBe(2 * 3072);
    // image 0 of the batch is source 2; pixel (row 3, col 5)
    const q = (3 * 32 + 5) * 3;
    expect([x[q], x[q + 1], x[q + 2]]).toEqual([(25 - 1) / 2, (41 - 2) / 4, (102 - 3) / 8]);
    expect(x[3072 + 2]).toBeCloseTo((100 - 3) / 8, 6);
  });

  it('augments by a padded 32×32 crop within ±4 pixels and an optional mirror, covering all 162 transforms', () => {
    const split = positionalSplit(3);
    const random = new RandomStream(11);
    const seen = new Set<string>();
    let flips = 0;
    let total = 0;
    for (let b = 0; b < 40; b++) {
      const indices = Array.from({ length: 30 }, (_, i) => (i + b) % 3);
      const { x, y } = makeBatch(split, indices, IDENTITY, { random });
      indices.forEach((source, i) => {
        expect(y[i]).toBe(split.labels[source]);
        const t = inferTransform(x, i, source);
        seen.add(`${t.dy},${t.dx},${t.flip}`);
        flips += t.flip ? 1 : 0;
        total++;
      });
    }
    expect(seen.size).toBe(9 * 9 * 2);
    expect(flips / total).toBeGreaterThan(0.4);
    expect(flips / total).toBeLessThan(0.6);
  });

  it('pads with zero in the normalised input', () => {
    const split = positionalSplit(1);
    const norm = { mean: [120, 120, 120], std: [50, 50, 50] };
    const { x } = makeBatch(split, new Array(64).fill(0), norm, { random: new RandomStream(3) });
    let zeros = 0;
    let blackPads = 0; // a black (raw 0) pad would normalise to −120/50
    for (const v of x) {
      if (v === 0) zeros++;
      if (Math.abs(v + 120 / 50) < 1e-6) blackPads++;
    }
    expect(blackPads).toBe(0);
    // 64 crops: some are offset, so some padding exists; no real pixel normalises to exactly 0 here.
    expect(zeros).toBeGreaterThan(0);
    expect(zeros % 3).toBe(0);
  });

  it('repeats a batch exactly from the same stream state and draws one seed per batch', () => {
    const split = positionalSplit(5);
    const indices = [4, 3, 2, 1, 0, 0, 1];
    const a = new RandomStream(99);
    const first = makeBatch(split, indices, IDENTITY, { random: a });
    expect(a.state().counter).toBe(1);
    const second = makeBatch(split, indices, IDENTITY, { random: a });
    const replay = RandomStream.restore({ seed: 99, counter: 1 });
    expect(sameBytes(makeBatch(split, indices, IDENTITY, { random: replay }).x, second.x)).toBe(true);
    expect(sameBytes(makeBatch(split, indices, IDENTITY, { random: new RandomStream(99) }).x, first.x)).toBe(true);
    expect(sameBytes(second.x, first.x)).toBe(false);
  });

  it('accepts any seed source', () => {
    let calls = 0;
    const source: SeedSource = { nextSeed: () => 1234 + calls++ };
    const { count } = makeBatch(positionalSplit(2), [1], IDENTITY, { random: source });
    expect(count).toBe(1);
    expect(calls).toBe(1);
  });

  it('rejects an index outside the split, naming its position', () => {
    const split = positionalSplit(2);
    expect(() => makeBatch(split, [0, 2], IDENTITY, null)).toThrow('indices[1]: must be an integer in [0, 2), got 2');
    expect(() => makeBatch(split, [0.5], IDENTITY, null)).toThrow('indices[0]');
    expect(() => makeBatch(split, [-1], IDENTITY, null)).toThrow(DatasetError);
  });

  it('rejects a normalisation with a zero or missing std, naming the field', () => {
    const split = positionalSplit(1);
    expect(() => makeBatch(split, [0], { mean: [0, 0, 0], std: [1, 0, 1] }, null)).toThrow('norm.std[1]');
    expect(() => makeBatch(split, [0], { mean: [0, 0], std: [1, 1, 1] }, null)).toThrow('norm.mean: must hold 3 numbers');
  });
});
