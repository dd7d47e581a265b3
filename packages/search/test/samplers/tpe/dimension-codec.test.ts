import { describe, expect, it } from 'vitest';
import { parseSearchSpace, type ParamValue } from '../../../src/index.js';
import { valueProblem } from '../../../src/space/grid.js';
import { codecFor } from '../../../src/samplers/tpe/dimension-codec.js';

const space = parseSearchSpace({
  lr: { type: 'float', low: 1e-5, high: 0.1, log: true },
  dropout: { type: 'float', low: 0, high: 0.5, step: 0.05 },
  batch: { type: 'int', low: 25, high: 500, step: 25 },
  width: { type: 'int', low: 8, high: 1024, log: true },
  plain: { type: 'float', low: -2, high: 3 },
  units: { type: 'int', low: 1, high: 64 },
  act: { type: 'categorical', choices: ['relu', 1, true, 0] },
});

const probes: (ParamValue | undefined)[] = [undefined, 'relu', 'gelu', 1, true, false, 0, -0, 0.15, 0.15000000000000002, 0.151, 0.5, 0.55, 25, 26, 500, 525, 8, 8.5, 1024, 1e-5, 0.1, 0.2, -2, 3, 3.1, NaN, Infinity, '0.1'];

describe('DimensionCodec.encodeValid', () => {
  it('is NaN exactly where valueProblem names a problem, and encode otherwise', () => {
    for (const spec of space.params) {
      const codec = codecFor(spec.distribution);
      for (const v of probes) {
        const got = codec.encodeValid(v);
        const invalid = v === undefined || valueProblem(spec.distribution, v) !== null;
        expect(Number.isNaN(got), `${spec.name} ${String(v)}`).toBe(invalid);
        if (!invalid) expect(got).toBe(codec.encode(v!));
      }
    }
  });
});
