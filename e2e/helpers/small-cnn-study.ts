/**
 * The request body of a small CNN study on the real CIFAR-10: networks of two or three blocks
 * with a handful of channels, so that an epoch over a few thousand images takes seconds on the
 * wasm backend. `downsample` 4 is fixed because both depths reduce 32 → 8 with window-2 pools
 * (sides 16, 8 and 20, 13, 8); `pooling: 'max'` keeps the pools cheap.
 */

export interface SmallCnnStudyOptions {
  readonly name: string;
  readonly maxTrials: number;
  readonly parallelism: number;
  readonly seed: number;
  readonly trainSize: number;
  readonly validationSize: number;
  /** ASHA stop mode when given; otherwise no pruner and every trial trains `maxEpochs`. */
  readonly asha?: { readonly minEpochs: number; readonly reductionFactor: number };
  readonly maxEpochs: number;
  readonly nStartupTrials?: number;
}

export function smallCnnStudy(options: SmallCnnStudyOptions): Record<string, unknown> {
  return {
    name: options.name,
    space: {
      cnn_layers: { type: 'int', low: 2, high: 3 },
      starting_channels: { type: 'int', low: 4, high: 12 },
      final_channels: { type: 'int', low: 8, high: 24 },
      fcn_layers: { type: 'int', low: 1, high: 2 },
      learning_rate: { type: 'float', low: 1e-4, high: 3e-2, log: true },
    },
    objective: 'efficiency',
    maxTrials: options.maxTrials,
    parallelism: options.parallelism,
    seed: options.seed,
    sampler: { type: 'tpe', nStartupTrials: options.nStartupTrials ?? 4 },
    pruner:
      options.asha === undefined
        ? { type: 'none', maxEpochs: options.maxEpochs }
        : {
            type: 'asha',
            mode: 'stop',
            minEpochs: options.asha.minEpochs,
            maxEpochs: options.maxEpochs,
            reductionFactor: options.asha.reductionFactor,
          },
    dataset: { name: 'cifar10', trainSize: options.trainSize, validationSize: options.validationSize, testSize: 0 },
    fixed: { downsample: 4, pooling: 'max', kernel: '3x3', batch_size: 50, augment: false },
  };
}
