import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { DatasetError, type DatasetIssue } from './dataset-error.js';
import { resolveBatchFile } from './read-cifar10-file.js';

export const SUMS_FILE = 'SHA256SUMS';

/**
 * Checks every file listed in `<dir>/SHA256SUMS` (`sha256sum` format). The sums are of the
 * uncompressed `.bin` files (shared/datasets/cifar10/README.md), so a `.bin.gz` is inflated on
 * the fly and hashed without touching disk. All files are hashed in parallel, and every
 * mismatch is reported in one CHECKSUM_MISMATCH error. Returns the verified file names.
 */
export async function verifyCifar10(dir: string): Promise<string[]> {
  const sumsFile = join(dir, SUMS_FILE);
  let text: string;
  try {
    text = await readFile(sumsFile, 'utf8');
  } catch (err) {
    throw new DatasetError('DATASET_NOT_FOUND', [{ field: sumsFile, message: 'cannot be read' }], { cause: err });
  }
  const entries = parseSums(text, sumsFile);
  const issues: DatasetIssue[] = [];
  await Promise.all(
    entries.map(async ({ name, sha256 }) => {
      const file = await resolveBatchFile(dir, name.replace(/\.bin$/, ''));
      const actual = await sha256Of(file);
      if (actual !== sha256) issues.push({ field: file, message: `sha256 of the uncompressed data is ${actual}, expected ${sha256}` });
    }),
  );
  if (issues.length > 0) throw new DatasetError('CHECKSUM_MISMATCH', issues);
  return entries.map((e) => e.name);
}

function parseSums(text: string, sumsFile: string): { name: string; sha256: string }[] {
  const entries: { name: string; sha256: string }[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const match = /^([0-9a-fA-F]{64}) [ *]([\w.-]+\.bin)$/.exec(line.trim());
    if (!match) {
      throw new DatasetError('DATASET_CORRUPT', [{ field: sumsFile, message: `line ${i + 1} is not "<sha256>  <name>.bin"` }]);
    }
    entries.push({ sha256: match[1]!.toLowerCase(), name: match[2]! });
  }
  if (entries.length === 0) throw new DatasetError('DATASET_CORRUPT', [{ field: sumsFile, message: 'lists no files' }]);
  return entries;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  const sink = async (source: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of source) hash.update(chunk);
  };
  const input = createReadStream(file, { highWaterMark: 1 << 20 });
  try {
    if (file.endsWith('.gz')) await pipeline(input, createGunzip({ chunkSize: 1 << 20 }), sink);
    else await pipeline(input, sink);
  } catch (err) {
    throw new DatasetError('DATASET_CORRUPT', [{ field: file, message: `cannot be read: ${(err as Error).message}` }], { cause: err });
  }
  return hash.digest('hex');
}
