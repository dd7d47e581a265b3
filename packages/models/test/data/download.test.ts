import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError } from '../../src/data/dataset-error.js';
import { CIFAR10_ARCHIVE_FOLDER, downloadCifar10 } from '../../src/data/download.js';
import { readCifar10File } from '../../src/data/read-cifar10-file.js';
import { CLASS_NAMES, makeTar, syntheticPixel, syntheticRecords, withTempDir } from './fixtures.js';

const BATCHES = ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5', 'test_batch'];
const RECORDS = 3;

/** The official archive's layout, with three records per batch file. */
const archive = gzipSync(
  makeTar([
    { name: `${CIFAR10_ARCHIVE_FOLDER}/`, type: '5' },
    ...BATCHES.map((name, k) => ({ name: `${CIFAR10_ARCHIVE_FOLDER}/${name}.bin`, data: syntheticRecords(RECORDS, k * RECORDS) })),
    { name: `${CIFAR10_ARCHIVE_FOLDER}/batches.meta.txt`, data: Buffer.from(`${CLASS_NAMES.join('\n')}\n\n`) },
    { name: `${CIFAR10_ARCHIVE_FOLDER}/readme.html`, data: Buffer.from('<html></html>') },
  ]),
);
const ARCHIVE_SHA256 = createHash('sha256').update(archive).digest('hex');

let server: Server;
let base: string;
const hits: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/cifar-10-binary.tar.gz') {
      res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': archive.length });
      // Two writes, so the body arrives in more than one chunk.
      res.write(archive.subarray(0, 1000));
      res.end(archive.subarray(1000));
    } else {
      res.writeHead(503).end('maintenance');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
});

describe('downloadCifar10', () => {
  it('downloads, verifies and extracts the archive, then serves later calls from the cache', async () => {
    await withTempDir(async (cacheDir) => {
      const url = `${base}/cifar-10-binary.tar.gz`;
      hits.length = 0;
      const first = await downloadCifar10({ url, cacheDir, sha256: ARCHIVE_SHA256.toUpperCase() });
      expect(first).toEqual({ dir: join(cacheDir, CIFAR10_ARCHIVE_FOLDER), downloaded: true });
      expect(hits).toEqual(['/cifar-10-binary.tar.gz']);
      expect(await readdir(cacheDir)).toEqual([CIFAR10_ARCHIVE_FOLDER]);
      expect((await readdir(first.dir)).sort()).toEqual(
        ['.archive-sha256', 'batches.meta.txt', ...BATCHES.map((b) => `${b}.bin`), 'readme.html'].sort(),
      );
      const batch3 = await readCifar10File(join(first.dir, 'data_batch_3.bin'), RECORDS);
      expect(batch3.images[3072 + 3 * 33]).toBe(syntheticPixel(7)(0, 1, 1));
      expect(Array.from(batch3.labels)).toEqual([6, 7, 8]);

      const again = await downloadCifar10({ url, cacheDir, sha256: ARCHIVE_SHA256 });
      expect(again).toEqual({ dir: first.dir, downloaded: false });
      expect(hits).toHaveLength(1);
    });
  });

  it('replaces a cache folder that lacks the marker instead of trusting it', async () => {
    await withTempDir(async (cacheDir) => {
      const url = `${base}/cifar-10-binary.tar.gz`;
      const { dir } = await downloadCifar10({ url, cacheDir, sha256: ARCHIVE_SHA256 });
      await writeFile(join(dir, '.archive-sha256'), 'something else\n');
      await writeFile(join(dir, 'data_batch_1.bin'), 'half');
      hits.length = 0;
      expect((await downloadCifar10({ url, cacheDir, sha256: ARCHIVE_SHA256 })).downloaded).toBe(true);
      expect(hits).toHaveLength(1);
      expect((await readFile(join(dir, 'data_batch_1.bin'))).length).toBe(RECORDS * 3073);
    });
  });

  it('deletes a download whose checksum does not match and says so', async () => {
    await withTempDir(async (cacheDir) => {
      const wrong = 'ab'.repeat(32);
      const err = (await downloadCifar10({ url: `${base}/cifar-10-binary.tar.gz`, cacheDir, sha256: wrong }).catch(
        (e: unknown) => e,
      )) as DatasetError;
      expect(err).toBeInstanceOf(DatasetError);
      expect(err.code).toBe('CHECKSUM_MISMATCH');
      expect(err.message).toContain(`archive sha256 is ${ARCHIVE_SHA256}, expected ${wrong}`);
      expect(await readdir(cacheDir)).toEqual([]);
    });
  });

  it('reports a server error with its status and leaves nothing behind', async () => {
    await withTempDir(async (cacheDir) => {
      const url = `${base}/missing.tar.gz`;
      const err = (await downloadCifar10({ url, cacheDir, sha256: ARCHIVE_SHA256 }).catch((e: unknown) => e)) as DatasetError;
      expect(err.code).toBe('DOWNLOAD_FAILED');
      expect(err.message).toBe(`${url}: server answered HTTP 503`);
      expect(await readdir(cacheDir)).toEqual([]);
    });
  });

  it('reports an unreachable server and invalid options', async () => {
    await withTempDir(async (cacheDir) => {
      const refused: typeof fetch = async () => {
        throw new TypeError('fetch failed');
      };
      await expect(downloadCifar10({ url: `${base}/x`, cacheDir, sha256: ARCHIVE_SHA256, fetchImpl: refused })).rejects.toThrow(
        'request failed: fetch failed',
      );
      const err = (await downloadCifar10({ cacheDir: '', sha256: 'nope' }).catch((e: unknown) => e)) as DatasetError;
      expect(err.code).toBe('DATASET_OPTIONS_INVALID');
      expect(err.issues.map((i) => i.field)).toEqual(['cacheDir', 'sha256']);
    });
  });
});
