import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { META_FILE, TEST_FILE, TRAIN_FILES } from './cifar10-format.js';
import { DatasetError } from './dataset-error.js';
import { extractTarGz } from './extract-tar-gz.js';

/** The CIFAR-10 binary version on the dataset authors' page, https://www.cs.toronto.edu/~kriz/cifar.html. */
export const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
/**
 * SHA-256 of that archive (170,052,171 bytes). The page publishes only its MD5,
 * c32a1d4ab5d03f1284b67883e8d87530; this is the SHA-256 that independent loaders pin for the
 * same URL (for example Julia's MLDatasets), recorded there alongside that size and MD5.
 */
export const CIFAR10_SHA256 = 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd';
/** The archive's single top-level folder, which becomes the data folder in the cache. */
export const CIFAR10_ARCHIVE_FOLDER = 'cifar-10-batches-bin';

/** Written into the data folder last, before the rename that publishes it: the archive's digest. */
const MARKER = '.archive-sha256';
const REQUIRED = [...TRAIN_FILES.map((n) => `${n}.bin`), `${TEST_FILE}.bin`, META_FILE];

export interface DownloadCifar10Options {
  /** Default CIFAR10_URL. */
  url?: string;
  /** The data ends up in `<cacheDir>/cifar-10-batches-bin`. */
  cacheDir: string;
  /** Expected SHA-256 of the archive, hex. Default CIFAR10_SHA256. */
  sha256?: string;
  /** Default the global fetch; tests and proxies inject their own. */
  fetchImpl?: typeof fetch;
  signal?: AbortSignal;
}

export interface DownloadCifar10Result {
  /** The folder to pass to loadCifar10 as `dir`. */
  dir: string;
  /** False when a verified copy was already in the cache. */
  downloaded: boolean;
}

/**
 * Makes the official CIFAR-10 binary archive available under `cacheDir`: downloads it, checks
 * its SHA-256 while it streams to disk, and extracts it. Everything happens in a private temp
 * folder inside `cacheDir`, and the finished data folder appears by one rename, so a crash or a
 * concurrent download never leaves a half-written data folder in place. A data folder holding
 * the marker for the same digest and every batch file is reused without any network access.
 * A mismatched or failed download leaves nothing behind.
 */
export async function downloadCifar10(options: DownloadCifar10Options): Promise<DownloadCifar10Result> {
  const { url = CIFAR10_URL, cacheDir, fetchImpl = fetch, signal } = options;
  const sha256 = (options.sha256 ?? CIFAR10_SHA256).toLowerCase();
  const issues = [];
  if (typeof cacheDir !== 'string' || cacheDir === '') issues.push({ field: 'cacheDir', message: 'must be a non-empty path' });
  if (!/^[0-9a-f]{64}$/.test(sha256)) issues.push({ field: 'sha256', message: 'must be 64 hexadecimal digits' });
  if (issues.length > 0) throw new DatasetError('DATASET_OPTIONS_INVALID', issues);

  const dir = join(cacheDir, CIFAR10_ARCHIVE_FOLDER);
  if (await isCached(dir, sha256)) return { dir, downloaded: false };

  await mkdir(cacheDir, { recursive: true });
  const work = await mkdtemp(join(cacheDir, '.download-'));
  try {
    const archive = join(work, 'cifar-10-binary.tar.gz');
    const actual = await fetchToFile(url, archive, fetchImpl, signal);
    if (actual !== sha256) {
      throw new DatasetError('CHECKSUM_MISMATCH', [
        { field: url, message: `archive sha256 is ${actual}, expected ${sha256}; the download was deleted` },
      ]);
    }
    const extracted = join(work, 'extracted');
    await extractTarGz(archive, extracted);
    const staged = join(extracted, CIFAR10_ARCHIVE_FOLDER);
    const missing = await missingFiles(staged);
    if (missing.length > 0) {
      throw new DatasetError('DATASET_CORRUPT', [
        { field: url, message: `archive lacks ${missing.map((m) => `${CIFAR10_ARCHIVE_FOLDER}/${m}`).join(', ')}` },
      ]);
    }
    await writeFile(join(staged, MARKER), `${sha256}\n`);
    // A stale or incomplete folder (no marker, other digest) is replaced; a concurrent download
    // that published first wins, and its verified copy is as good as ours.
    await rm(dir, { recursive: true, force: true });
    try {
      await rename(staged, dir);
    } catch (err) {
      if (!(await isCached(dir, sha256))) throw err;
    }
    return { dir, downloaded: true };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function fetchToFile(url: string, file: string, fetchImpl: typeof fetch, signal?: AbortSignal): Promise<string> {
  let response: Response;
  try {
    response = await fetchImpl(url, signal ? { signal } : {});
  } catch (err) {
    throw new DatasetError('DOWNLOAD_FAILED', [{ field: url, message: `request failed: ${(err as Error).message}` }], { cause: err });
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw new DatasetError('DOWNLOAD_FAILED', [{ field: url, message: `server answered HTTP ${response.status}` }]);
  }
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), tap, createWriteStream(file));
  } catch (err) {
    throw new DatasetError('DOWNLOAD_FAILED', [{ field: url, message: `transfer failed: ${(err as Error).message}` }], { cause: err });
  }
  return hash.digest('hex');
}

async function isCached(dir: string, sha256: string): Promise<boolean> {
  try {
    if ((await readFile(join(dir, MARKER), 'utf8')).trim() !== sha256) return false;
  } catch {
    return false;
  }
  return (await missingFiles(dir)).length === 0;
}

async function missingFiles(dir: string): Promise<string[]> {
  const missing: string[] = [];
  for (const name of REQUIRED) {
    try {
      if (!(await stat(join(dir, name))).isFile()) missing.push(name);
    } catch {
      missing.push(name);
    }
  }
  return missing;
}
