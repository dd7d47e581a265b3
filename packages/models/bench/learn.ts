/**
 * A real learning check: trains the seed configuration on a CIFAR-10 slice with `train()` (the
 * same loop the worker runs) on the best available backend and prints validation accuracy and
 * macro-F1 after every epoch. It fails (exit 1) unless the last epoch clearly beats chance.
 *
 *   pnpm bench:train learn [--epochs 3] [--train-size 10000] [--validation-size 2000] [--backend wasm] [--seed 0]
 *   tsx --conditions=source bench/learn.ts --epochs 1 --train-size 2000
 *
 * With 2,000 validation images, chance (10%) has a standard deviation of 0.67 points, so the
 * 20% threshold is about 15 standard deviations above it.
 */
import { fileURLToPath } from 'node:url';
import { BACKEND_NAMES, parseBackendName, selectBackend, type BackendName } from '../src/backend.js';
import { describeArchitecture, SEED_HYPERPARAMETERS, type Hyperparameters } from '../src/config.js';
import { loadCifar10 } from '../src/data/cifar10.js';
import { train, type EpochReport } from '../src/train.js';

export const CHANCE_ACCURACY = 0.1;
/** Twice chance: what "clearly beats chance" means for this check. */
export const LEARN_THRESHOLD = 0.2;

export interface LearnOptions {
  epochs?: number;
  trainSize?: number;
  validationSize?: number;
  /** Force a backend; default: the best one `selectBackend` finds. */
  backend?: BackendName;
  seed?: number;
  hp?: Hyperparameters;
  /** CIFAR-10 folder; default: the loader's default (shared/datasets/cifar10 above the checkout). */
  dataDir?: string;
  /** Receives one line of text per event; default: stdout. */
  print?: (line: string) => void;
}

export interface LearnResult {
  backend: string;
  parameterCount: number;
  trainSize: number;
  validationSize: number;
  epochs: Pick<EpochReport, 'epoch' | 'trainLoss' | 'valLoss' | 'valAccuracy' | 'macroF1' | 'imagesPerSecond' | 'elapsedMs'>[];
  finalValAccuracy: number;
  beatsChance: boolean;
}

export async function benchLearn(options: LearnOptions = {}): Promise<LearnResult> {
  const print = options.print ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const epochs = options.epochs ?? 3;
  const trainSize = options.trainSize ?? 10_000;
  const validationSize = options.validationSize ?? 2_000;
  const hp = options.hp ?? { ...SEED_HYPERPARAMETERS };
  const seed = options.seed ?? 0;

  const backend = await selectBackend(options.backend === undefined ? {} : { force: options.backend });
  print(`learn: backend ${backend.name} (${backend.detail})`);
  const loadStart = performance.now();
  const data = await loadCifar10({ dir: options.dataDir, trainSize, validationSize, testSize: 0, seed });
  print(
    `learn: loaded ${data.train.count} train + ${data.validation.count} validation images in ${(performance.now() - loadStart).toFixed(0)} ms; ` +
      `${describeArchitecture(hp).totalParams} parameters, batch ${hp.batch_size}, ${epochs} epochs`,
  );

  const result = await train({
    hp,
    data,
    maxEpochs: epochs,
    seed,
    onEpochEnd: (r) =>
      print(
        `learn: epoch ${r.epoch}: train loss ${r.trainLoss.toFixed(4)}, val loss ${r.valLoss.toFixed(4)}, ` +
          `val accuracy ${(100 * r.valAccuracy).toFixed(2)}%, macro-F1 ${r.macroF1.toFixed(4)}, ` +
          `${r.imagesPerSecond.toFixed(1)} train images/s, ${(r.elapsedMs / 1000).toFixed(1)} s`,
      ),
  });
  if (result.outcome !== 'complete') {
    throw new Error(`learning check ended ${result.outcome} after ${result.epochsCompleted} epochs`);
  }
  const finalValAccuracy = result.lastReport!.valAccuracy;
  const beatsChance = finalValAccuracy >= LEARN_THRESHOLD;
  print(
    `learn: final val accuracy ${(100 * finalValAccuracy).toFixed(2)}% vs chance ${100 * CHANCE_ACCURACY}% ` +
      `(threshold ${100 * LEARN_THRESHOLD}%): ${beatsChance ? 'learns' : 'DOES NOT LEARN'}`,
  );
  return {
    backend: result.backend,
    parameterCount: result.parameterCount,
    trainSize: data.train.count,
    validationSize: data.validation.count,
    epochs: result.reports.map(({ epoch, trainLoss, valLoss, valAccuracy, macroF1, imagesPerSecond, elapsedMs }) => ({
      epoch,
      trainLoss,
      valLoss,
      valAccuracy,
      macroF1,
      imagesPerSecond,
      elapsedMs,
    })),
    finalValAccuracy,
    beatsChance,
  };
}

/** Parses `--epochs N --train-size N --validation-size N --backend NAME --seed N --data-dir DIR`. */
export function parseLearnArgs(argv: string[]): LearnOptions {
  const options: LearnOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const integer = (min: number): number => {
      const n = Number(value);
      if (value === undefined || !Number.isInteger(n) || n < min) {
        throw new Error(`${flag}: must be an integer ≥ ${min}, got '${value ?? ''}'`);
      }
      i++;
      return n;
    };
    if (flag === '--epochs') options.epochs = integer(1);
    else if (flag === '--train-size') options.trainSize = integer(1);
    else if (flag === '--validation-size') options.validationSize = integer(1);
    else if (flag === '--seed') options.seed = integer(0);
    else if (flag === '--backend') {
      options.backend = parseBackendName(value, '--backend');
      i++;
    } else if (flag === '--data-dir') {
      if (value === undefined) throw new Error('--data-dir: needs a folder');
      options.dataDir = value;
      i++;
    } else if (flag !== '--') {
      throw new Error(
        `unknown argument '${flag}'; expected --epochs, --train-size, --validation-size, --seed, --data-dir, --backend ${BACKEND_NAMES.join('|')}`,
      );
    }
  }
  return options;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  benchLearn(parseLearnArgs(process.argv.slice(2))).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exitCode = result.beatsChance ? 0 : 1;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
