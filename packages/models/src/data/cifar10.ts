import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { channelStats } from './channel-stats.js';
import {
  CLASS_COUNT,
  IMAGE_BYTES,
  META_FILE,
  RECORDS_PER_FILE,
  TEST_FILE,
  TEST_RECORDS,
  TRAIN_FILES,
  TRAIN_RECORDS,
} from './cifar10-format.js';
import { DatasetError, type DatasetIssue } from './dataset-error.js';
import { defaultCifar10Dir } from './default-cifar10-dir.js';
import type { ImageSplit } from './image-split.js';
import { planSplit } from './plan-split.js';
import { decodeCifar10File, resolveBatchFile } from './read-cifar10-file.js';

export type { ImageSplit } from './image-split.js';
export { makeBatch } from './make-batch.js';

export interface Cifar10 {
  train: ImageSplit;
  validation: ImageSplit;
  test: ImageSplit;
  /** Per channel (R, G, B) over the train split only, raw pixel units 0–255. */
  mean: [number, number, number];
  std: [number, number, number];
  /** From batches.meta.txt, in label order. */
  classNames: string[];
}

export interface LoadCifar10Options {
  /** Folder with data_batch_{1..5}.bin[.gz], test_batch.bin[.gz], batches.meta.txt. Default: defaultCifar10Dir(). */
  dir?: string;
  /** Default 45,000; with validationSize at most 50,000. */
  trainSize?: number;
  /** Default 5,000; drawn from the training files, disjoint from train. */
  validationSize?: number;
  /** Default 10,000: the first testSize records of test_batch (already in random order). */
  testSize?: number;
  /** Chooses the train/validation split. Default 0. */
  seed?: number;
}

export const DEFAULT_TRAIN_SIZE = 45_000;
export const DEFAULT_VALIDATION_SIZE = 5_000;
export const DEFAULT_TEST_SIZE = TEST_RECORDS;

/**
 * Loads CIFAR-10 from its official binary batch files. Validation is a seeded random subset of
 * the training files, disjoint from train; mean and std come from the train split alone, so
 * nothing of validation leaks into the normalisation. Only the training files needed for
 * trainSize + validationSize are read (2,000 + 500 reads one), and all files stream in
 * parallel (inflate runs on libuv's thread pool while the main thread reorders pixels). Train
 * and validation are views of one buffer; each split keeps file order.
 */
export async function loadCifar10(options: LoadCifar10Options = {}): Promise<Cifar10> {
  const trainSize = options.trainSize ?? DEFAULT_TRAIN_SIZE;
  const validationSize = options.validationSize ?? DEFAULT_VALIDATION_SIZE;
  const testSize = options.testSize ?? DEFAULT_TEST_SIZE;
  const seed = options.seed ?? 0;
  checkOptions({ trainSize, validationSize, testSize, seed });
  const dir = options.dir ?? defaultCifar10Dir();

  const fileCount = Math.ceil((trainSize + validationSize) / RECORDS_PER_FILE);
  const { slots } = planSplit(fileCount * RECORDS_PER_FILE, validationSize, trainSize, seed);
  const pooled = validationSize + trainSize;
  const poolImages = new Uint8Array(pooled * IMAGE_BYTES);
  const poolLabels = new Uint8Array(pooled);
  const testImages = new Uint8Array(testSize * IMAGE_BYTES);
  const testLabels = new Uint8Array(testSize);
  const testSlots = new Int32Array(TEST_RECORDS).fill(-1);
  for (let i = 0; i < testSize; i++) testSlots[i] = i;

  const reads: Promise<void>[] = TRAIN_FILES.slice(0, fileCount).map(async (name, k) => {
    const file = await resolveBatchFile(dir, name);
    const fileSlots = slots.subarray(k * RECORDS_PER_FILE, (k + 1) * RECORDS_PER_FILE);
    await decodeCifar10File(file, { images: poolImages, labels: poolLabels, slots: fileSlots });
  });
  if (testSize > 0) {
    reads.push(
      resolveBatchFile(dir, TEST_FILE).then((file) =>
        decodeCifar10File(file, { images: testImages, labels: testLabels, slots: testSlots }),
      ),
    );
  }
  const [classNames] = await Promise.all([readClassNames(dir), ...reads]);

  const validation: ImageSplit = {
    images: poolImages.subarray(0, validationSize * IMAGE_BYTES),
    labels: poolLabels.subarray(0, validationSize),
    count: validationSize,
  };
  const train: ImageSplit = {
    images: poolImages.subarray(validationSize * IMAGE_BYTES),
    labels: poolLabels.subarray(validationSize),
    count: trainSize,
  };
  const { mean, std } = channelStats(train.images, train.count);
  return { train, validation, test: { images: testImages, labels: testLabels, count: testSize }, mean, std, classNames };
}

/** The class names of batches.meta.txt, one per non-empty line, in label order. */
export async function readClassNames(dir: string): Promise<string[]> {
  const file = join(dir, META_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'DATASET_NOT_FOUND' : 'DATASET_CORRUPT';
    throw new DatasetError(code, [{ field: file, message: 'cannot be read' }], { cause: err });
  }
  const names = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (names.length !== CLASS_COUNT) {
    throw new DatasetError('DATASET_CORRUPT', [
      { field: file, message: `expected ${CLASS_COUNT} class names, one per line, found ${names.length}` },
    ]);
  }
  return names;
}

function checkOptions(o: { trainSize: number; validationSize: number; testSize: number; seed: number }): void {
  const issues: DatasetIssue[] = [];
  const count = (field: string, value: number, min: number, max: number): boolean => {
    if (Number.isInteger(value) && value >= min && value <= max) return true;
    issues.push({ field, message: `must be an integer from ${min} to ${max}, got ${value}` });
    return false;
  };
  const trainOk = count('trainSize', o.trainSize, 1, TRAIN_RECORDS);
  const validationOk = count('validationSize', o.validationSize, 0, TRAIN_RECORDS - 1);
  count('testSize', o.testSize, 0, TEST_RECORDS);
  if (trainOk && validationOk && o.trainSize + o.validationSize > TRAIN_RECORDS) {
    issues.push({
      field: 'trainSize',
      message: `trainSize + validationSize = ${o.trainSize + o.validationSize} exceeds the ${TRAIN_RECORDS} training images`,
    });
  }
  if (!Number.isSafeInteger(o.seed)) issues.push({ field: 'seed', message: `must be an integer, got ${o.seed}` });
  if (issues.length > 0) throw new DatasetError('DATASET_OPTIONS_INVALID', issues);
}
