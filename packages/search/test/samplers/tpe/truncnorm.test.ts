import { describe, expect, it } from 'vitest';
import { erfc, logGaussMass, logNdtr, ndtr, ndtriExp, truncnormLogPdf, truncnormPpf } from '../../../src/samplers/tpe/truncnorm.js';

// Reference values: Python's math.erfc (C99 libm).
const ERFC: [number, number][] = [
  [-2, 1.9953222650189528],
  [0, 1],
  [0.5, 0.4795001221869535],
  [1, 0.15729920705028513],
  [3, 2.209049699858544e-5],
  [6, 2.1519736712498913e-17],
  [20, 5.395865611607901e-176],
];

describe('truncnorm numerics', () => {
  it('computes erfc to 2.5e-7 relative, far tails included', () => {
    for (const [x, want] of ERFC) expect(Math.abs(erfc(x) / want - 1)).toBeLessThan(2.5e-7);
  });

  it('keeps log Φ finite in the far left tail', () => {
    // Asymptotic series: log Φ(−40) = −800 − log 40 − ½ log 2π + log(1 − 1/1600 + 3/1600²).
    const want = -800 - Math.log(40) - 0.5 * Math.log(2 * Math.PI) + Math.log(1 - 1 / 1600 + 3 / 1600 ** 2);
    expect(logNdtr(-40)).toBeCloseTo(want, 5);
    expect(logNdtr(0)).toBeCloseTo(Math.log(0.5), 7);
    expect(logNdtr(10)).toBeLessThanOrEqual(0);
  });

  it('inverts log Φ (Acklam) across the centre and both tails', () => {
    for (const x of [-37, -20, -5, -1, 0, 0.7, 2.5, 5]) expect(ndtriExp(logNdtr(x))).toBeCloseTo(x, x > 4 ? 2 : 5);
  });

  it('computes interval masses consistently in the tails, the centre and for narrow cells', () => {
    expect(Math.exp(logGaussMass(-1, 1))).toBeCloseTo(0.6826894921370859, 6);
    expect(Math.exp(logGaussMass(-Infinity, Infinity))).toBeCloseTo(1, 12);
    // A cell 30σ out, where Φ differences underflow: mass ≈ width · φ(midpoint).
    const narrow = logGaussMass(30, 30.001);
    expect(narrow).toBeCloseTo(Math.log(0.001) - 0.5 * 30.0005 ** 2 - 0.5 * Math.log(2 * Math.PI), 4);
    // Mirror symmetry.
    expect(logGaussMass(2, 3)).toBeCloseTo(logGaussMass(-3, -2), 10);
    // Narrow and wide formulas agree where both apply.
    expect(logGaussMass(0.5, 0.50999)).toBeCloseTo(Math.log(ndtr(0.50999) - ndtr(0.5)), 3);
  });

  it('samples truncated normals inside their interval with the right quantiles', () => {
    expect(truncnormPpf(0.5, -1, 1)).toBeCloseTo(0, 6);
    for (const [a, b] of [[-2, 3], [30, 31], [-50, -49.5], [4, Infinity]] as const) {
      for (const q of [0.001, 0.3, 0.9]) {
        const x = truncnormPpf(q, a, b);
        expect(x).toBeGreaterThanOrEqual(a);
        expect(x).toBeLessThanOrEqual(b);
        expect(Math.exp(logGaussMass(a, x) - logGaussMass(a, b))).toBeCloseTo(q, 3);
      }
    }
  });

  it('gives a truncated density that integrates to 1 and is −∞ outside', () => {
    const [a, b] = [-0.5, 2];
    let s = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) s += Math.exp(truncnormLogPdf(a + ((i + 0.5) * (b - a)) / n, a, b)) * ((b - a) / n);
    expect(s).toBeCloseTo(1, 6);
    expect(truncnormLogPdf(2.5, a, b)).toBe(-Infinity);
  });
});
