/**
 * CIFAR-10 loading figures: `tsx --conditions=source --expose-gc bench/load.ts [--dir <path>]`,
 * or `benchLoad()` from bench/run.ts. Prints the time and memory to load all 60,000 images from
 * the .gz batch files, a small slice's load time, SHA256SUMS verification time, and makeBatch
 * throughput with and without augmentation.
 */
import { pathToFileURL } from 'node:url';
import { loadCifar10, makeBatch } from '../src/data/cifar10.js';
import { defaultCifar10Dir } from '../src/data/default-cifar10-dir.js';
import { verifyCifar10 } from '../src/data/verify-cifar10.js';
import { RandomStream } from '../src/randomness.js';

export interface LoadFigures {
  fullLoadMs: number;
  fullLoadCpuMs: number;
  rssDeltaMb: number;
  arrayBuffersDeltaMb: number;
  sliceLoadMs: number;
  verifyMs: number;
  batchImagesPerSecond: number;
  augmentedImagesPerSecond: number;
}

const MB = 1024 * 1024;

function settle(): NodeJS.MemoryUsage {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage();
}

export async function benchLoad(options: { dir?: string; write?: (line: string) => void } = {}): Promise<LoadFigures> {
  const dir = options.dir ?? defaultCifar10Dir(process.env);
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const gc = typeof (globalThis as { gc?: unknown }).gc === 'function';
  write(`cifar10 load bench: ${dir}${gc ? '' : ' (run node with --expose-gc for settled memory figures)'}`);

  const before = settle();
  const cpu = process.cpuUsage();
  let t = performance.now();
  const data = await loadCifar10({ dir });
  const fullLoadMs = performance.now() - t;
  // CPU time of the whole process, main thread and libuv's inflate threads: steadier than wall time on a shared machine.
  const { user, system } = process.cpuUsage(cpu);
  const fullLoadCpuMs = (user + system) / 1000;
  const after = settle();
  const rssDeltaMb = (after.rss - before.rss) / MB;
  const arrayBuffersDeltaMb = (after.arrayBuffers - before.arrayBuffers) / MB;
  const images = data.train.count + data.validation.count + data.test.count;
  write(
    `  full load  ${images} images (train ${data.train.count}, validation ${data.validation.count}, test ${data.test.count}) from .gz: ` +
      `${fullLoadMs.toFixed(0)} ms wall, ${fullLoadCpuMs.toFixed(0)} ms CPU, ${((images / fullLoadMs) * 1000).toFixed(0)} images/s; ` +
      `RSS +${rssDeltaMb.toFixed(0)} MiB, arrayBuffers +${arrayBuffersDeltaMb.toFixed(0)} MiB ` +
      `(labels and pixels ${((images * 3073) / MB).toFixed(0)} MiB)`,
  );

  t = performance.now();
  await loadCifar10({ dir, trainSize: 2_000, validationSize: 500, testSize: 1_000 });
  const sliceLoadMs = performance.now() - t;
  write(`  slice load 2,000 / 500 / 1,000 (reads data_batch_1 and test_batch): ${sliceLoadMs.toFixed(0)} ms`);

  t = performance.now();
  const verified = await verifyCifar10(dir);
  const verifyMs = performance.now() - t;
  write(`  verify     SHA256SUMS of ${verified.length} files (inflate + sha256): ${verifyMs.toFixed(0)} ms`);

  const batchSize = 125;
  const batches = 80;
  const indices = new Int32Array(batchSize);
  const throughput = (augment: boolean): number => {
    const random = new RandomStream(1);
    const start = performance.now();
    for (let b = 0; b < batches; b++) {
      for (let i = 0; i < batchSize; i++) indices[i] = (b * 7919 + i * 104_729) % data.train.count;
      makeBatch(data.train, indices, data, augment ? { random } : null);
    }
    return (batchSize * batches * 1000) / (performance.now() - start);
  };
  throughput(false); // warm up the JIT on both paths
  throughput(true);
  const batchImagesPerSecond = throughput(false);
  const augmentedImagesPerSecond = throughput(true);
  write(
    `  makeBatch  batch ${batchSize}: ${batchImagesPerSecond.toFixed(0)} images/s plain, ` +
      `${augmentedImagesPerSecond.toFixed(0)} images/s with crop + flip`,
  );
  return { fullLoadMs, fullLoadCpuMs, rssDeltaMb, arrayBuffersDeltaMb, sliceLoadMs, verifyMs, batchImagesPerSecond, augmentedImagesPerSecond };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf('--dir');
  await benchLoad(at === -1 ? {} : { dir: process.argv[at + 1] });
}
