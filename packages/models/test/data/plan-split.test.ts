import { describe, expect, it } from 'vitest';
import { channelStats } from '../../src/data/channel-stats.js';
import { planSplit } from '../../src/data/plan-split.js';

describe('planSplit', () => {
  it('assigns disjoint validation and train slots, each split in file order', () => {
    const { slots } = planSplit(1_000, 100, 300, 5);
    const used = Array.from(slots).filter((s) => s >= 0);
    expect(used).toHaveLength(400);
    expect(new Set(used).size).toBe(400);
    const validation = Array.from(slots).filter((s) => s >= 0 && s < 100);
    const train = Array.from(slots).filter((s) => s >= 100);
    expect(validation).toEqual(Array.from({ length: 100 }, (_, i) => i)); // ascending = file order
    expect(train).toEqual(Array.from({ length: 300 }, (_, i) => 100 + i));
  });

  it('is a function of the seed', () => {
    expect(planSplit(500, 50, 100, 1).slots).toEqual(planSplit(500, 50, 100, 1).slots);
    expect(planSplit(500, 50, 100, 1).slots).not.toEqual(planSplit(500, 50, 100, 2).slots);
  });

  it('picks every record for validation about equally often across seeds', () => {
    const pool = 20;
    const hits = new Array<number>(pool).fill(0);
    const seeds = 4_000;
    for (let seed = 0; seed < seeds; seed++) {
      const { slots } = planSplit(pool, 5, 5, seed);
      slots.forEach((s, r) => {
        if (s >= 0 && s < 5) hits[r]!++;
      });
    }
    // expected 4,000 · 5/20 = 1,000 per record; binomial sd ≈ 27
    for (const h of hits) expect(Math.abs(h - 1_000)).toBeLessThan(120);
  });

  it('refuses more records than the pool holds', () => {
    expect(() => planSplit(10, 6, 5, 0)).toThrow('cannot take 11 records from a pool of 10');
  });
});

describe('channelStats', () => {
  it('computes the population mean and standard deviation of each channel', () => {
    // two 32×32 images: R constant 10; G 0 in image 0 and 100 in image 1; B alternating 0/255 by column
    const images = new Uint8Array(2 * 3072);
    for (let i = 0; i < 2; i++) {
      for (let p = 0; p < 1024; p++) {
        images[i * 3072 + p * 3] = 10;
        images[i * 3072 + p * 3 + 1] = i * 100;
        images[i * 3072 + p * 3 + 2] = p % 2 === 0 ? 0 : 255;
      }
    }
    const { mean, std } = channelStats(images, 2);
    expect(mean).toEqual([10, 50, 127.5]);
    expect(std).toEqual([0, 50, 127.5]);
    expect(channelStats(images, 1).mean).toEqual([10, 0, 127.5]);
  });
});
