import { createHash } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { channelStats } from '../../src/data/channel-stats.js';
import { loadCifar10, makeBatch, readClassNames, type Cifar10 } from '../../src/data/cifar10.js';
import { DatasetError } from '../../src/data/dataset-error.js';
import { defaultCifar10Dir } from '../../src/data/default-cifar10-dir.js';
import { readCifar10File } from '../../src/data/read-cifar10-file.js';
import { CLASS_NAMES, sameBytes, withTempDir } from './fixtures.js';

// The shared real CIFAR-10 (see its README.md): found by walking up from this package.
const DIR = defaultCifar10Dir({});

function imageKeys(images: Uint8Array, count: number): string[] {
  const keys: string[] = [];
  for (let i = 0; i < count; i++) keys.push(createHash('sha1').update(images.subarray(i * 3072, (i + 1) * 3072)).digest('hex'));
  return keys;
}

function classCounts(labels: Uint8Array): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const l of labels) counts[l]!++;
  return counts;
}

describe('loadCifar10 on the shared CIFAR-10', () => {
  let batch1: Awaited<ReturnType<typeof readCifar10File>>;
  let slice: Cifar10;
  beforeAll(async () => {
    [batch1, slice] = await Promise.all([
      readCifar10File(join(DIR, 'data_batch_1.bin.gz')),
      loadCifar10({ dir: DIR, trainSize: 2_000, validationSize: 500, testSize: 1_000, seed: 7 }),
    ]);
  });

  it('reads data_batch_1 with the class counts its README documents', () => {
    // The README guarantees the per-class counts. The shared files are re-shuffled (README "Record
    // order"), so the official first labels 6, 9, 9, 4, … do not apply; these first labels were read
    // independently with Python's gzip module (byte 0 of every 3,073-byte record).
    expect(Array.from(batch1.labels.subarray(0, 10))).toEqual([2, 3, 9, 5, 8, 6, 6, 2, 6, 5]);
    expect(classCounts(batch1.labels)).toEqual([981, 1008, 996, 996, 1021, 977, 1012, 984, 972, 1053]);
  });

  it('reads the class names in label order', async () => {
    expect(await readClassNames(DIR)).toEqual(CLASS_NAMES);
    expect(slice.classNames).toEqual(CLASS_NAMES);
  });

  it('returns the requested sizes, and train and validation as disjoint records of the first training file', () => {
    expect([slice.train.count, slice.validation.count, slice.test.count]).toEqual([2_000, 500, 1_000]);
    expect(slice.train.images.length).toBe(2_000 * 3072);
    expect(slice.validation.labels.length).toBe(500);
    const inBatch1 = new Map(imageKeys(batch1.images, batch1.count).map((k, i) => [k, batch1.labels[i]]));
    const train = imageKeys(slice.train.images, slice.train.count);
    const validation = imageKeys(slice.validation.images, slice.validation.count);
    const trainSet = new Set(train);
    expect(trainSet.size).toBe(2_000);
    expect(validation.filter((k) => trainSet.has(k))).toEqual([]);
    train.forEach((k, i) => expect(inBatch1.get(k)).toBe(slice.train.labels[i]));
    validation.forEach((k, i) => expect(inBatch1.get(k)).toBe(slice.validation.labels[i]));
  });

  it('takes the test split from the front of test_batch', async () => {
    const test = await readCifar10File(join(DIR, 'test_batch.bin.gz'));
    expect(Array.from(test.labels.subarray(0, 10))).toEqual([9, 0, 2, 5, 2, 8, 5, 6, 2, 3]);
    expect(sameBytes(slice.test.labels, test.labels.subarray(0, 1_000))).toBe(true);
    expect(sameBytes(slice.test.images, test.images.subarray(0, 1_000 * 3072))).toBe(true);
  });

  it('gives the same split for the same seed and a different one for another seed', async () => {
    const again = await loadCifar10({ dir: DIR, trainSize: 2_000, validationSize: 500, testSize: 0, seed: 7 });
    const other = await loadCifar10({ dir: DIR, trainSize: 2_000, validationSize: 500, testSize: 0, seed: 8 });
    expect(sameBytes(again.train.images, slice.train.images)).toBe(true);
    expect(sameBytes(again.validation.images, slice.validation.images)).toBe(true);
    expect(sameBytes(again.validation.labels, slice.validation.labels)).toBe(true);
    expect(sameBytes(other.train.images, slice.train.images)).toBe(false);
    expect(again.test.count).toBe(0);
  });

  it('keeps file order: no validation and the whole first file reproduce data_batch_1', async () => {
    const whole = await loadCifar10({ dir: DIR, trainSize: 10_000, validationSize: 0, testSize: 0 });
    expect(sameBytes(whole.train.labels, batch1.labels)).toBe(true);
    expect(sameBytes(whole.train.images, batch1.images)).toBe(true);
  });

  it('normalises the train split to mean 0 and std 1 per channel, with statistics from train only', () => {
    expect(channelStats(slice.train.images, slice.train.count)).toEqual({ mean: slice.mean, std: slice.std });
    expect(channelStats(slice.validation.images, slice.validation.count).mean).not.toEqual(slice.mean);
    const all = Array.from({ length: slice.train.count }, (_, i) => i);
    const { x } = makeBatch(slice.train, all, slice, null);
    for (let c = 0; c < 3; c++) {
      let sum = 0;
      let sumSq = 0;
      for (let q = c; q < x.length; q += 3) {
        sum += x[q]!;
        sumSq += x[q]! * x[q]!;
      }
      const n = x.length / 3;
      expect(Math.abs(sum / n)).toBeLessThan(1e-4);
      expect(Math.sqrt(sumSq / n - (sum / n) ** 2)).toBeCloseTo(1, 4);
    }
    // CIFAR-10's familiar per-channel statistics, in raw pixel units (JPEG-decoded here, hence approximate).
    slice.mean.forEach((m, c) => expect(Math.abs(m - [125.3, 123.0, 113.9][c]!)).toBeLessThan(3));
    slice.std.forEach((s, c) => expect(Math.abs(s - [63.0, 62.1, 66.7][c]!)).toBeLessThan(3));
  });

  it('partitions whole training files: 15,000 + 5,000 uses every record of the first two exactly once', async () => {
    const two = await loadCifar10({ dir: DIR, trainSize: 15_000, validationSize: 5_000, testSize: 0, seed: 3 });
    const pooled = classCounts(two.train.labels).map((n, c) => n + classCounts(two.validation.labels)[c]!);
    // README per-class counts of data_batch_1 plus data_batch_2
    expect(pooled).toEqual([981 + 1016, 1008 + 978, 996 + 1004, 996 + 1023, 1021 + 977, 977 + 1034, 1012 + 1012, 984 + 1014, 972 + 1007, 1053 + 935]);
  });
});

describe('loadCifar10 files and options', () => {
  it('reads only the training files a small slice needs', async () => {
    await withTempDir(async (dir) => {
      for (const name of ['data_batch_1.bin.gz', 'test_batch.bin.gz', 'batches.meta.txt']) {
        await symlink(join(DIR, name), join(dir, name));
      }
      const small = await loadCifar10({ dir, trainSize: 2_000, validationSize: 500, testSize: 10 });
      expect(small.train.count).toBe(2_000);
      const err = (await loadCifar10({ dir, trainSize: 9_000, validationSize: 2_000, testSize: 0 }).catch((e: unknown) => e)) as DatasetError;
      expect(err.code).toBe('DATASET_NOT_FOUND');
      expect(err.message).toContain('data_batch_2.bin');
    });
  });

  it('rejects a meta file without ten class names, naming it', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'batches.meta.txt'), 'cat\ndog\n');
      await expect(readClassNames(dir)).rejects.toThrow(`${join(dir, 'batches.meta.txt')}: expected 10 class names, one per line, found 2`);
    });
  });

  it('reports every invalid option by field', async () => {
    const err = (await loadCifar10({ dir: '/nonexistent', trainSize: 0, validationSize: -1, testSize: 10_001, seed: 0.5 }).catch(
      (e: unknown) => e,
    )) as DatasetError;
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.code).toBe('DATASET_OPTIONS_INVALID');
    expect(err.issues.map((i) => i.field)).toEqual(['trainSize', 'validationSize', 'testSize', 'seed']);
    await expect(loadCifar10({ dir: DIR, trainSize: 46_000 })).rejects.toThrow(
      'trainSize: trainSize + validationSize = 51000 exceeds the 50000 training images',
    );
  });

  it('finds the shared data by walking up, and honours CIFAR10_DIR', async () => {
    await withTempDir(async (root) => {
      const data = join(root, 'shared', 'datasets', 'cifar10');
      const pkg = join(root, 'main', 'packages', 'models', 'src');
      await mkdir(data, { recursive: true });
      await mkdir(pkg, { recursive: true });
      expect(defaultCifar10Dir({}, pkg)).toBe(data);
      expect(defaultCifar10Dir({ CIFAR10_DIR: '/data/cifar' }, pkg)).toBe('/data/cifar');
      const lonely = join(root, 'main', 'packages');
      await expect(async () => defaultCifar10Dir({}, '/')).rejects.toThrow('CIFAR10_DIR: not set');
      expect(defaultCifar10Dir({ CIFAR10_DIR: '' }, lonely)).toBe(data);
    });
  });
});
