import { describe, expect, it } from 'vitest';
import { HEAP, withScratch } from '../../../src/samplers/tpe/scratch.js';

describe('withScratch', () => {
  it('hands out zero-filled views that do not overlap, also when reused and past one block', () => {
    for (let round = 0; round < 2; round++) {
      withScratch((s) => {
        const views = [s.f64(3), s.i32(5), s.u8(7), s.f64(20000), s.f64(1), s.i32(100000)];
        for (const v of views) expect(v.every((x) => x === 0)).toBe(true);
        views.forEach((v, k) => v.fill(k + 1));
        views.forEach((v, k) => expect(v.every((x) => x === k + 1)).toBe(true));
        // Float64 views stay 8-byte aligned after odd-sized byte views.
        expect(views[4].byteOffset % 8).toBe(0);
      });
    }
  });

  it('gives a nested call its own arena', () => {
    withScratch((outer) => {
      const a = outer.f64(4).fill(1);
      withScratch((inner) => inner.f64(4).fill(2));
      expect([...a]).toEqual([1, 1, 1, 1]);
    });
  });

  it('returns what the work returns and frees the arena when it throws', () => {
    expect(withScratch(() => 42)).toBe(42);
    expect(() => withScratch(() => { throw new Error('boom'); })).toThrow('boom');
    withScratch((s) => expect(s.u8(8).every((x) => x === 0)).toBe(true));
    expect(HEAP.f64(2)).toEqual(new Float64Array(2));
  });
});
