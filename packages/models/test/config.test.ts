import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ArchitectureError,
  HYPERPARAMETER_NAMES,
  HYPERPARAMETER_SPECS,
  SEED_HYPERPARAMETERS,
  canPoolWindow2,
  describeArchitecture,
  resolveHyperparameters,
  validCnnLayers,
  type Hyperparameters,
} from '../src/config.js';
import { uniformsFromSeed } from '../src/randomness.js';

const here = dirname(fileURLToPath(import.meta.url));

function issuesOf(fn: () => unknown): { field: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ArchitectureError);
    expect((err as ArchitectureError).code).toBe('ARCHITECTURE_INVALID');
    return [...(err as ArchitectureError).issues];
  }
  throw new Error('expected an ArchitectureError');
}

describe('describeArchitecture on the seed configuration', () => {
  const d = describeArchitecture(SEED_HYPERPARAMETERS);

  it('reproduces the seed study numbers', () => {
    expect(d.channels).toEqual([46, 62, 84, 114, 155, 210]);
    expect(d.sizes).toEqual([20, 13, 8, 5, 3, 2]);
    expect(d.fcnWidths).toEqual([840, 277, 92, 30, 10]);
    expect(d.totalParams).toBe(875_592);
    expect(d.layers.find((l) => l.name === 'block6_conv')?.params).toBe(293_160);
    expect(d.layers.find((l) => l.name === 'dense1')?.params).toBe(232_957);
    expect(d.nonTrainableParams).toBe(2 * (46 + 62 + 84 + 114 + 155 + 210));
  });

  it('lists conv, batch norm, activation and pool per block, then flatten and the dense layers', () => {
    expect(d.layers.slice(0, 4).map((l) => [l.name, l.kind, l.outputShape])).toEqual([
      ['block1_conv', 'conv', [32, 32, 46]],
      ['block1_bn', 'batchnorm', [32, 32, 46]],
      ['block1_act', 'activation', [32, 32, 46]],
      ['block1_pool', 'pool', [20, 20, 46]],
    ]);
    expect(d.layers.slice(-8).map((l) => [l.name, l.outputShape[0]])).toEqual([
      ['flatten', 840],
      ['dense1', 277],
      ['dense1_act', 277],
      ['dense2', 92],
      ['dense2_act', 92],
      ['dense3', 30],
      ['dense3_act', 30],
      ['logits', 10],
    ]);
    expect(d.layers[d.layers.length - 1]).toMatchObject({ name: 'logits', kind: 'dense', outputShape: [10], params: 310 });
  });

  it('counts forward FLOPs per image from the layer formulas', () => {
    // block 1 conv: 32·32 positions × 46 filters × (2·27 multiply-add flops + 1 bias)
    expect(d.layers[0].flops).toBe(32 * 32 * 46 * (2 * 27 + 1));
    expect(d.layers.find((l) => l.name === 'block1_pool')?.flops).toBe(3 * 20 * 20 * 46);
    expect(d.layers.find((l) => l.name === 'dense1')?.flops).toBe(277 * (2 * 840 + 1));
    expect(d.forwardFlops).toBe(d.layers.reduce((s, l) => s + l.flops, 0));
    expect(d.forwardFlops).toBeGreaterThan(60e6);
    expect(d.forwardFlops).toBeLessThan(70e6);
  });
});

describe('describeArchitecture variants', () => {
  it('counts a separable block as a 1×3 then a 3×1 convolution, each with a bias', () => {
    const d = describeArchitecture({ ...SEED_HYPERPARAMETERS, kernel: 'separable', cnn_layers: 4, fcn_layers: 1 });
    expect(d.channels).toEqual([46, 76, 127, 210]);
    const convs = d.layers.filter((l) => l.kind === 'conv');
    expect(convs.map((l) => l.name).slice(0, 2)).toEqual(['block1_conv1x3', 'block1_conv3x1']);
    expect(convs[0].params).toBe(3 * 3 * 46 + 46);
    expect(convs[1].params).toBe(3 * 46 * 46 + 46);
    expect(d.sizes).toEqual([16, 8, 4, 2]);
    expect(d.fcnWidths).toEqual([840, 10]);
  });

  it('adds a dropout layer after each hidden dense activation only when dropout > 0', () => {
    const without = describeArchitecture(SEED_HYPERPARAMETERS);
    const withDropout = describeArchitecture({ ...SEED_HYPERPARAMETERS, dropout: 0.3 });
    expect(without.layers.some((l) => l.kind === 'dropout')).toBe(false);
    expect(withDropout.layers.filter((l) => l.kind === 'dropout').map((l) => l.name)).toEqual([
      'dense1_dropout',
      'dense2_dropout',
      'dense3_dropout',
    ]);
    expect(withDropout.totalParams).toBe(without.totalParams);
  });

  it('gives a single block final_channels', () => {
    const d = describeArchitecture({ ...SEED_HYPERPARAMETERS, cnn_layers: 1, downsample: 2 });
    expect(d.channels).toEqual([210]);
    expect(d.sizes).toEqual([16]);
  });

  it('keeps every block inside what a window-2 pool can do, for many random configurations', () => {
    const draws = uniformsFromSeed(7, 4 * 300);
    let built = 0;
    for (let t = 0; t < 300; t++) {
      const [a, b, c, e] = draws.slice(4 * t, 4 * t + 4);
      const downsample = 2 + a * 30;
      const valid = validCnnLayers(downsample);
      const hp: Hyperparameters = {
        ...SEED_HYPERPARAMETERS,
        downsample,
        cnn_layers: valid[Math.floor(b * valid.length)],
        starting_channels: 1 + Math.floor(c * 300),
        final_channels: 1 + Math.floor(e * 600),
        fcn_layers: 1 + (t % 8),
      };
      const d = describeArchitecture(hp);
      const ins = [32, ...d.sizes.slice(0, -1)];
      d.sizes.forEach((s, i) => {
        expect(s).toBeLessThan(ins[i]);
        expect(ins[i]).toBeLessThanOrEqual(2 * s);
      });
      expect(d.sizes[d.sizes.length - 1]).toBe(Math.round(32 / downsample));
      expect(d.channels[0]).toBe(hp.cnn_layers === 1 ? hp.final_channels : hp.starting_channels);
      expect(d.channels[d.channels.length - 1]).toBe(hp.final_channels);
      expect(d.fcnWidths).toHaveLength(hp.fcn_layers + 1);
      expect(d.fcnWidths[0]).toBe(d.sizes[d.sizes.length - 1] ** 2 * hp.final_channels);
      expect(d.fcnWidths[hp.fcn_layers]).toBe(10);
      expect(Math.min(...d.fcnWidths, ...d.channels)).toBeGreaterThanOrEqual(1);
      built++;
    }
    expect(built).toBe(300);
  });
});

describe('canPoolWindow2', () => {
  it.each([
    [32, 20, true],
    [3, 2, true],
    [2, 1, true],
    [8, 4, true],
    [9, 4, false],
    [5, 5, false],
    [4, 5, false],
    [3, 1, false],
    [4, 0, false],
  ])('%i → %i is %s', (input, output, ok) => {
    expect(canPoolWindow2(input, output)).toBe(ok);
  });
});

describe('resolveHyperparameters', () => {
  it('fills every default with the seed configuration', () => {
    expect(resolveHyperparameters({})).toEqual(SEED_HYPERPARAMETERS);
    expect(resolveHyperparameters({ cnn_layers: 5, activation: 'gelu' })).toEqual({
      ...SEED_HYPERPARAMETERS,
      cnn_layers: 5,
      activation: 'gelu',
    });
  });

  it('lists every field issue at once, by field', () => {
    const issues = issuesOf(() =>
      resolveHyperparameters({ cnn_layers: 2.5, kernel: '5x5', dropout: 1, learning_rate: 'fast', momentum: Number.NaN, colour: 'red' }),
    );
    expect(issues.map((i) => i.field).sort()).toEqual(['cnn_layers', 'colour', 'dropout', 'kernel', 'learning_rate', 'momentum']);
    expect(issues.find((i) => i.field === 'cnn_layers')?.message).toMatch(/integer/);
    expect(issues.find((i) => i.field === 'kernel')?.message).toMatch(/"3x3", "separable"/);
    expect(issues.find((i) => i.field === 'dropout')?.message).toMatch(/\[0, 0\.9\]/);
    expect(issues.find((i) => i.field === 'colour')?.message).toMatch(/unknown hyperparameter/);
  });

  it('rejects too few blocks for the downsampling, naming the valid depths', () => {
    const [issue] = issuesOf(() => resolveHyperparameters({ cnn_layers: 3 }));
    expect(issue.field).toBe('cnn_layers');
    expect(issue.message).toMatch(/32 → 13\) shrinks more than 2×/);
    expect(issue.message).toMatch(/valid cnn_layers for this downsample: 4 to 9/);
  });

  it('rejects more blocks than the downsampling can fit', () => {
    const [issue] = issuesOf(() => resolveHyperparameters({ cnn_layers: 10 }));
    expect(issue.field).toBe('cnn_layers');
    expect(issue.message).toMatch(/does not shrink/);
    expect(() => describeArchitecture({ ...SEED_HYPERPARAMETERS, cnn_layers: 10 })).toThrow(ArchitectureError);
  });

  it('rejects a boolean where a number is expected and a string for augment', () => {
    const issues = issuesOf(() => resolveHyperparameters({ batch_size: true, augment: 'yes' }));
    expect(issues.map((i) => i.field).sort()).toEqual(['augment', 'batch_size']);
  });

  it('rejects a non-object', () => {
    expect(() => resolveHyperparameters(null as unknown as Record<string, unknown>)).toThrow(ArchitectureError);
  });
});

describe('HYPERPARAMETER_SPECS', () => {
  it('covers every hyperparameter, with the seed value as default and defaults inside their bounds', () => {
    expect([...HYPERPARAMETER_NAMES].sort()).toEqual(Object.keys(SEED_HYPERPARAMETERS).sort());
    for (const name of HYPERPARAMETER_NAMES) {
      const spec = HYPERPARAMETER_SPECS[name];
      expect(spec.default, name).toBe(SEED_HYPERPARAMETERS[name]);
      expect(spec.doc.length, name).toBeGreaterThan(10);
      if (spec.kind === 'categorical') expect(spec.choices).toContain(spec.default);
      else {
        expect(spec.low).toBeLessThanOrEqual(spec.default as number);
        expect(spec.high).toBeGreaterThanOrEqual(spec.default as number);
      }
    }
  });

  it('accepts every categorical choice', () => {
    for (const name of HYPERPARAMETER_NAMES) {
      const spec = HYPERPARAMETER_SPECS[name];
      if (spec.kind !== 'categorical') continue;
      for (const choice of spec.choices) expect(resolveHyperparameters({ [name]: choice })[name]).toBe(choice);
    }
  });
});

describe('the ./config subpath', () => {
  it('resolves to src/config.ts, whose import graph never reaches @tensorflow', () => {
    const pkg = JSON.parse(readFileSync(resolve(here, '../package.json'), 'utf8')) as { exports: Record<string, { source: string }> };
    expect(pkg.exports['./config'].source).toBe('./src/config.ts');
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
        const spec = m[1] ?? m[2];
        expect(spec, `${file} imports ${spec}`).not.toMatch(/^@tensorflow\//);
        expect(spec.startsWith('.') || spec.startsWith('node:'), `${file} imports package ${spec}`).toBe(true);
        if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      }
    };
    visit(resolve(here, '../src/config.ts'));
    expect(seen.size).toBeGreaterThanOrEqual(1);
  });
});
