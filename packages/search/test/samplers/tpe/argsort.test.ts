import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/rng.js';
import { argsort, argsortGrid } from '../../../src/samplers/tpe/argsort.js';

/** Reference: a comparator sort of indices by value, ties by index. */
const stable = (values: ArrayLike<number>): number[] =>
  Array.from({ length: values.length }, (_, i) => i).sort((i, j) => (values[i] === values[j] ? i - j : values[i] < values[j] ? -1 : 1));

describe('argsort', () => {
  it('orders by value with ties in index order, across signs, magnitudes and zeros', () => {
    const values = Float64Array.from([3, -1, 0, -0, 2.5, -1, 1e-300, -1e300, 1e300, 3, -2.5e-8, 0, 7, -1]);
    expect([...argsort(values)]).toEqual(stable(values));
  });

  it('agrees with a stable comparator sort on random data with many ties', () => {
    const rng = createRng(3);
    for (const n of [0, 1, 2, 17, 1000]) {
      const values = Float64Array.from({ length: n }, () => (rng.next() < 0.3 ? Math.round(rng.next() * 5) : (rng.next() - 0.5) * 10 ** rng.int(-5, 5)));
      expect([...argsort(values)]).toEqual(stable(values));
    }
  });

  it('sorts grid values by counting cells, ties in index order', () => {
    // Cells of width 0.5 from −0.25: values 0, 0.5, …, 5 at their centres.
    const rng = createRng(4);
    const values = Float64Array.from({ length: 300 }, () => rng.int(0, 10) * 0.5);
    expect([...argsortGrid(values, -0.25, 0.5, 11)]).toEqual(stable(values));
  });
});
