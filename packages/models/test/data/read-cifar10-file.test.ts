import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DatasetError } from '../../src/data/dataset-error.js';
import { decodeCifar10File, readCifar10File, resolveBatchFile } from '../../src/data/read-cifar10-file.js';
import { makeRecord, RECORD_BYTES, syntheticPixel, syntheticRecords, withTempDir, writeBatch } from './fixtures.js';

/** NHWC byte offset of (image, row, col, channel). */
const at = (image: number, row: number, col: number, c: number) => ((image * 32 + row) * 32 + col) * 3 + c;

describe('readCifar10File', () => {
  it('places the label byte and moves planar R, G, B rows into interleaved pixels', async () => {
    await withTempDir(async (dir) => {
      // Each channel encodes its own identity and the pixel position, so any misplacement shows.
      const pixel = (c: number, row: number, col: number) => (c === 0 ? row * 8 : c === 1 ? col * 8 : 200 + c);
      const file = await writeBatch(join(dir, 'one.bin'), makeRecord(7, pixel));
      const { images, labels, count } = await readCifar10File(file, 1);
      expect(count).toBe(1);
      expect(labels[0]).toBe(7);
      expect([images[at(0, 0, 0, 0)], images[at(0, 0, 0, 1)], images[at(0, 0, 0, 2)]]).toEqual([0, 0, 202]);
      expect([images[at(0, 0, 1, 0)], images[at(0, 0, 1, 1)], images[at(0, 0, 1, 2)]]).toEqual([0, 8, 202]);
      expect([images[at(0, 1, 0, 0)], images[at(0, 1, 0, 1)], images[at(0, 1, 0, 2)]]).toEqual([8, 0, 202]);
      expect([images[at(0, 31, 30, 0)], images[at(0, 31, 30, 1)], images[at(0, 31, 30, 2)]]).toEqual([248, 240, 202]);
    });
  });

  it.each(['.bin', '.bin.gz'])('decodes every record of a %s file whose records straddle read chunks', async (ext) => {
    await withTempDir(async (dir) => {
      // 700 records are 2.15 MB: records cross the 1 MiB chunk boundaries.
      const n = 700;
      const file = await writeBatch(join(dir, `many${ext}`), syntheticRecords(n));
      const { images, labels } = await readCifar10File(file, n);
      for (const r of [0, 1, 340, 341, 342, 682, 699]) {
        const pixel = syntheticPixel(r);
        expect(labels[r]).toBe(r % 10);
        for (const [row, col] of [[0, 0], [5, 17], [31, 31]] as const) {
          for (let c = 0; c < 3; c++) expect(images[at(r, row, col, c)]).toBe(pixel(c, row, col));
        }
      }
    });
  });

  it('writes selected records at their slots and skips the rest', async () => {
    await withTempDir(async (dir) => {
      const file = await writeBatch(join(dir, 'four.bin.gz'), syntheticRecords(4));
      const images = new Uint8Array(2 * 3072);
      const labels = new Uint8Array(2);
      await decodeCifar10File(file, { images, labels, slots: Int32Array.from([-1, 1, -1, 0]) });
      expect(Array.from(labels)).toEqual([3, 1]);
      expect(images[at(0, 2, 3, 1)]).toBe(syntheticPixel(3)(1, 2, 3));
      expect(images[at(1, 2, 3, 1)]).toBe(syntheticPixel(1)(1, 2, 3));
    });
  });

  it('rejects a truncated file, naming it', async () => {
    await withTempDir(async (dir) => {
      const file = await writeBatch(join(dir, 'data_batch_1.bin'), syntheticRecords(3).subarray(0, 2 * RECORD_BYTES + 100));
      const err = await readCifar10File(file, 3).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DatasetError);
      expect((err as DatasetError).code).toBe('DATASET_CORRUPT');
      expect((err as DatasetError).message).toContain(file);
      expect((err as DatasetError).message).toContain('partial record');
    });
  });

  it('rejects a file with the wrong record count, naming it', async () => {
    await withTempDir(async (dir) => {
      const file = await writeBatch(join(dir, 'data_batch_2.bin.gz'), syntheticRecords(5));
      await expect(readCifar10File(file, 4)).rejects.toThrow(`${file}: expected 4 records of 3073 bytes (12292 bytes), found 15365 bytes (5 records)`);
      await expect(readCifar10File(file, 6)).rejects.toThrow('found 15365 bytes (5 records)');
    });
  });

  it('rejects a label outside 0–9', async () => {
    await withTempDir(async (dir) => {
      const bytes = syntheticRecords(3);
      bytes[2 * RECORD_BYTES] = 10;
      const file = await writeBatch(join(dir, 'bad.bin'), bytes);
      await expect(readCifar10File(file, 3)).rejects.toThrow(`${file}: record 2 has label 10, expected 0–9`);
    });
  });

  it('rejects a cut gzip stream as corrupt, naming the file', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'cut.bin.gz');
      const gz = gzipSync(syntheticRecords(20));
      await writeFile(file, gz.subarray(0, gz.length - 40));
      const err = (await readCifar10File(file, 20).catch((e: unknown) => e)) as DatasetError;
      expect(err.code).toBe('DATASET_CORRUPT');
      expect(err.issues[0]?.field).toBe(file);
    });
  });

  it('reports a missing file as not found', async () => {
    await withTempDir(async (dir) => {
      const err = (await readCifar10File(join(dir, 'nope.bin'), 1).catch((e: unknown) => e)) as DatasetError;
      expect(err.code).toBe('DATASET_NOT_FOUND');
      await expect(resolveBatchFile(dir, 'data_batch_3')).rejects.toThrow('neither data_batch_3.bin nor data_batch_3.bin.gz');
    });
  });

  it('prefers the plain .bin over .bin.gz', async () => {
    await withTempDir(async (dir) => {
      await writeBatch(join(dir, 'test_batch.bin.gz'), syntheticRecords(1));
      expect(await resolveBatchFile(dir, 'test_batch')).toBe(join(dir, 'test_batch.bin.gz'));
      await writeBatch(join(dir, 'test_batch.bin'), syntheticRecords(1));
      expect(await resolveBatchFile(dir, 'test_batch')).toBe(join(dir, 'test_batch.bin'));
      expect(readFileSync(join(dir, 'test_batch.bin')).length).toBe(RECORD_BYTES);
    });
  });
});
