import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetError } from '../../src/data/dataset-error.js';
import { verifyCifar10 } from '../../src/data/verify-cifar10.js';
import { syntheticRecords, withTempDir, writeBatch } from './fixtures.js';

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('verifyCifar10', () => {
  it('checks the sums of the uncompressed data for .bin and .bin.gz files and reports every mismatch', async () => {
    await withTempDir(async (dir) => {
      const one = syntheticRecords(4, 0);
      const two = syntheticRecords(4, 4);
      await writeBatch(join(dir, 'data_batch_1.bin.gz'), one);
      await writeBatch(join(dir, 'test_batch.bin'), two);
      await writeFile(join(dir, 'SHA256SUMS'), `${sha(one)}  data_batch_1.bin\n${sha(two)} *test_batch.bin\n`);
      expect(await verifyCifar10(dir)).toEqual(['data_batch_1.bin', 'test_batch.bin']);

      const damaged = Uint8Array.from(two);
      damaged[100] ^= 1;
      await writeBatch(join(dir, 'test_batch.bin'), damaged);
      await writeBatch(join(dir, 'data_batch_1.bin.gz'), syntheticRecords(4, 1));
      const err = (await verifyCifar10(dir).catch((e: unknown) => e)) as DatasetError;
      expect(err).toBeInstanceOf(DatasetError);
      expect(err.code).toBe('CHECKSUM_MISMATCH');
      expect(err.issues.map((i) => i.field).sort()).toEqual([join(dir, 'data_batch_1.bin.gz'), join(dir, 'test_batch.bin')]);
      expect(err.message).toContain(`expected ${sha(two)}`);
    });
  });

  it('rejects a missing or malformed SHA256SUMS and a listed file that is absent', async () => {
    await withTempDir(async (dir) => {
      await expect(verifyCifar10(dir)).rejects.toThrow(`${join(dir, 'SHA256SUMS')}: cannot be read`);
      await writeFile(join(dir, 'SHA256SUMS'), 'abc  data_batch_1.bin\n');
      await expect(verifyCifar10(dir)).rejects.toThrow('line 1 is not "<sha256>  <name>.bin"');
      await writeFile(join(dir, 'SHA256SUMS'), `${'0'.repeat(64)}  data_batch_2.bin\n`);
      await expect(verifyCifar10(dir)).rejects.toThrow('neither data_batch_2.bin nor data_batch_2.bin.gz');
    });
  });
});
