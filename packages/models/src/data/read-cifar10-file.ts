import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { CLASS_COUNT, IMAGE_BYTES, PLANE_BYTES, RECORD_BYTES, RECORDS_PER_FILE } from './cifar10-format.js';
import { DatasetError } from './dataset-error.js';

/** Where the records of one file go: record r is written at image index `slots[r]`, or skipped when it is -1. */
export interface DecodeTarget {
  /** N×32×32×3 interleaved (NHWC) bytes. */
  images: Uint8Array;
  labels: Uint8Array;
  /** One entry per record the file must hold; its length is the expected record count. */
  slots: Int32Array;
}

// 1 MiB reads and inflate chunks: fewer, larger chunks keep the per-chunk overhead below the copy cost.
const CHUNK_BYTES = 1 << 20;

/**
 * Streams one CIFAR-10 batch file (`.bin`, or `.bin.gz` inflated on the fly by zlib) and
 * converts each selected record from planar CHW to interleaved HWC straight into `target`,
 * so neither the 30 MB file nor a per-image object is ever held. A file whose size is not
 * exactly `slots.length` records, or with a label above 9, is a DATASET_CORRUPT error naming it.
 */
export async function decodeCifar10File(file: string, target: DecodeTarget): Promise<void> {
  const { images, labels, slots } = target;
  const expected = slots.length;
  const pending = new Uint8Array(RECORD_BYTES);
  let pendingFill = 0;
  let record = 0;
  let totalBytes = 0;
  let badLabel: { record: number; label: number } | null = null;

  const place = (src: Uint8Array, at: number): void => {
    const r = record++;
    if (r >= expected || badLabel) return;
    const label = src[at];
    if (label >= CLASS_COUNT) {
      badLabel = { record: r, label };
      return;
    }
    const slot = slots[r];
    if (slot < 0) return;
    labels[slot] = label;
    const red = at + 1;
    const green = red + PLANE_BYTES;
    const blue = green + PLANE_BYTES;
    for (let p = 0, q = slot * IMAGE_BYTES; p < PLANE_BYTES; p++, q += 3) {
      images[q] = src[red + p];
      images[q + 1] = src[green + p];
      images[q + 2] = src[blue + p];
    }
  };

  const consume = (chunk: Uint8Array): void => {
    totalBytes += chunk.length;
    let off = 0;
    if (pendingFill > 0) {
      const take = Math.min(RECORD_BYTES - pendingFill, chunk.length);
      pending.set(chunk.subarray(0, take), pendingFill);
      pendingFill += take;
      off = take;
      if (pendingFill < RECORD_BYTES) return;
      place(pending, 0);
      pendingFill = 0;
    }
    for (; off + RECORD_BYTES <= chunk.length; off += RECORD_BYTES) place(chunk, off);
    if (off < chunk.length) {
      pending.set(chunk.subarray(off), 0);
      pendingFill = chunk.length - off;
    }
  };

  const sink = async (source: AsyncIterable<Uint8Array>): Promise<void> => {
    for await (const chunk of source) consume(chunk);
  };
  try {
    const input = createReadStream(file, { highWaterMark: CHUNK_BYTES });
    if (file.endsWith('.gz')) await pipeline(input, createGunzip({ chunkSize: CHUNK_BYTES }), sink);
    else await pipeline(input, sink);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new DatasetError('DATASET_NOT_FOUND', [{ field: file, message: 'file not found' }], { cause: err });
    }
    throw new DatasetError('DATASET_CORRUPT', [{ field: file, message: `cannot be read: ${(err as Error).message}` }], {
      cause: err,
    });
  }
  if (badLabel) {
    const { record: r, label } = badLabel;
    throw new DatasetError('DATASET_CORRUPT', [{ field: file, message: `record ${r} has label ${label}, expected 0–9` }]);
  }
  const expectedBytes = expected * RECORD_BYTES;
  if (totalBytes !== expectedBytes) {
    const found = totalBytes % RECORD_BYTES === 0 ? `${totalBytes / RECORD_BYTES} records` : 'a partial record';
    throw new DatasetError('DATASET_CORRUPT', [
      {
        field: file,
        message: `expected ${expected} records of ${RECORD_BYTES} bytes (${expectedBytes} bytes), found ${totalBytes} bytes (${found}); truncated or not a CIFAR-10 batch file`,
      },
    ]);
  }
}

/** Reads a whole batch file into fresh arrays, in file order. */
export async function readCifar10File(
  file: string,
  expectedRecords: number = RECORDS_PER_FILE,
): Promise<{ images: Uint8Array; labels: Uint8Array; count: number }> {
  const images = new Uint8Array(expectedRecords * IMAGE_BYTES);
  const labels = new Uint8Array(expectedRecords);
  const slots = new Int32Array(expectedRecords);
  for (let i = 0; i < expectedRecords; i++) slots[i] = i;
  await decodeCifar10File(file, { images, labels, slots });
  return { images, labels, count: expectedRecords };
}

/** The batch file for `name` in `dir`: the plain `.bin` when present (no inflate), else `.bin.gz`. */
export async function resolveBatchFile(dir: string, name: string): Promise<string> {
  for (const candidate of [join(dir, `${name}.bin`), join(dir, `${name}.bin.gz`)]) {
    try {
      if ((await stat(candidate)).isFile()) return candidate;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  throw new DatasetError('DATASET_NOT_FOUND', [
    { field: join(dir, `${name}.bin`), message: `neither ${name}.bin nor ${name}.bin.gz exists in ${dir}` },
  ]);
}
