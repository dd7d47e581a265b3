import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DatasetError } from '../../src/data/dataset-error.js';
import { extractTarGz } from '../../src/data/extract-tar-gz.js';
import { makeTar, paxRecords, syntheticRecords, withTempDir } from './fixtures.js';

async function archiveOf(dir: string, tar: Buffer): Promise<string> {
  const file = join(dir, 'a.tar.gz');
  await writeFile(file, gzipSync(tar));
  return file;
}

describe('extractTarGz', () => {
  it('writes regular files byte for byte, in folders, across block and chunk boundaries', async () => {
    await withTempDir(async (dir) => {
      const big = syntheticRecords(500); // 1.5 MB: spans inflate chunks; not a multiple of 512
      const tar = makeTar([
        { name: 'top/', type: '5' },
        { name: 'top/big.bin', data: big },
        { name: 'top/empty.txt' },
        { name: 'top/nested/small.txt', data: Buffer.from('hello\n') },
      ]);
      const out = join(dir, 'out');
      expect(await extractTarGz(await archiveOf(dir, tar), out)).toEqual(['top/big.bin', 'top/empty.txt', 'top/nested/small.txt']);
      expect(Buffer.compare(await readFile(join(out, 'top/big.bin')), Buffer.from(big))).toBe(0);
      expect(await readFile(join(out, 'top/empty.txt'), 'utf8')).toBe('');
      expect(await readFile(join(out, 'top/nested/small.txt'), 'utf8')).toBe('hello\n');
    });
  });

  it('takes a long name from a pax header and skips symbolic links', async () => {
    await withTempDir(async (dir) => {
      const longName = `deep/${'x'.repeat(120)}.txt`;
      const tar = makeTar([
        { name: 'PaxHeader', type: 'x', data: paxRecords({ mtime: '0', path: longName }) },
        { name: 'truncated-name', data: Buffer.from('long') },
        { name: 'link', type: '2' },
      ]);
      const out = join(dir, 'out');
      expect(await extractTarGz(await archiveOf(dir, tar), out)).toEqual([longName]);
      expect(await readFile(join(out, longName), 'utf8')).toBe('long');
      expect(await readdir(out)).toEqual(['deep']);
    });
  });

  it('refuses an entry that climbs out of the destination', async () => {
    await withTempDir(async (dir) => {
      const tar = makeTar([{ name: '../evil.txt', data: Buffer.from('x') }]);
      const err = (await extractTarGz(await archiveOf(dir, tar), join(dir, 'out')).catch((e: unknown) => e)) as DatasetError;
      expect(err.code).toBe('DATASET_CORRUPT');
      expect(err.message).toContain('"../evil.txt" would be written outside the destination');
      expect(await readdir(dir)).toEqual(['a.tar.gz', 'out']);
    });
  });

  it('rejects a damaged header and a truncated archive, naming the archive', async () => {
    await withTempDir(async (dir) => {
      const tar = makeTar([{ name: 'f.bin', data: syntheticRecords(2) }]);
      const damaged = Buffer.from(tar);
      damaged[10] = 0x41;
      const file = await archiveOf(dir, damaged);
      await expect(extractTarGz(file, join(dir, 'o1'))).rejects.toThrow(`${file}: header checksum mismatch`);
      await writeFile(file, gzipSync(tar.subarray(0, 512 + 1000)));
      await expect(extractTarGz(file, join(dir, 'o2'))).rejects.toThrow(`${file}: ends inside an entry`);
      await writeFile(file, Buffer.from('not gzip at all'));
      await expect(extractTarGz(file, join(dir, 'o3'))).rejects.toThrow(`${file}: cannot be extracted`);
    });
  });
});
