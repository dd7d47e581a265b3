import { createReadStream } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { DatasetError } from './dataset-error.js';

const BLOCK = 512;

/**
 * Extracts a gzip-compressed tar archive into `destDir` and returns the relative paths of the
 * regular files written. Reads the POSIX ustar format (IEEE 1003.1-1988, headers of 512 bytes
 * with octal fields) plus the two long-name extensions GNU tar and pax writers emit: pax `x`
 * headers (`path=`) and GNU `L` entries; sizes in GNU base-256 are accepted. Links, devices and
 * FIFOs are skipped: a data archive has no use for them and a link could point outside
 * `destDir`. An entry whose name is absolute or climbs with `..` is refused.
 */
export async function extractTarGz(archive: string, destDir: string): Promise<string[]> {
  const written: string[] = [];
  const corrupt = (message: string): DatasetError => new DatasetError('DATASET_CORRUPT', [{ field: archive, message }]);
  await mkdir(destDir, { recursive: true });
  try {
    await pipeline(createReadStream(archive, { highWaterMark: 1 << 20 }), createGunzip({ chunkSize: 1 << 20 }), async (source) => {
      const reader = byteReader(source as AsyncIterable<Buffer>, () => corrupt('ends inside an entry'));
      let longName: string | null = null;
      for (;;) {
        const header = await reader.exact(BLOCK);
        if (header === null || header.every((b) => b === 0)) break; // end-of-archive blocks
        if (checksumOf(header) !== octal(header, 148, 8)) throw corrupt('header checksum mismatch (not a tar archive?)');
        const size = sizeOf(header);
        const padded = Math.ceil(size / BLOCK) * BLOCK;
        const type = String.fromCharCode(header[156] || 0x30);
        if (type === 'x' || type === 'L') {
          const body = (await reader.exact(padded)) ?? Buffer.alloc(0);
          const name = type === 'L' ? cString(body, 0, size) : paxPath(body.subarray(0, size));
          if (name !== null) longName = name;
          continue;
        }
        const name = longName ?? ustarName(header);
        longName = null;
        if (type === '0' || type === '7') {
          const rel = safeRelative(name, corrupt);
          const target = join(destDir, rel);
          await mkdir(dirname(target), { recursive: true });
          const fh = await open(target, 'w');
          try {
            for await (const piece of reader.pieces(size)) await fh.write(piece);
          } finally {
            await fh.close();
          }
          await reader.skip(padded - size);
          written.push(rel);
        } else {
          // "./" names the destination itself, which GNU tar lists first when archiving "."
          const isSelf = normalize(name).replace(/[/\\]+$/, '') === '.';
          if (type === '5' && !isSelf) await mkdir(join(destDir, safeRelative(name, corrupt)), { recursive: true });
          await reader.skip(padded);
        }
      }
    });
  } catch (err) {
    if (err instanceof DatasetError) throw err;
    throw new DatasetError('DATASET_CORRUPT', [{ field: archive, message: `cannot be extracted: ${(err as Error).message}` }], {
      cause: err,
    });
  }
  return written;
}

function safeRelative(name: string, corrupt: (message: string) => DatasetError): string {
  const rel = normalize(name).replace(/[/\\]+$/, '');
  if (rel === '' || rel === '.' || isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`)) {
    throw corrupt(`entry ${JSON.stringify(name)} would be written outside the destination`);
  }
  return rel;
}

function cString(buf: Buffer, start: number, length: number): string {
  const field = buf.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString('utf8');
}

function ustarName(header: Buffer): string {
  const name = cString(header, 0, 100);
  const isUstar = header.subarray(257, 262).toString('latin1') === 'ustar';
  const prefix = isUstar ? cString(header, 345, 155) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function octal(buf: Buffer, start: number, length: number): number {
  const text = buf.subarray(start, start + length).toString('latin1').replace(/[\0 ]+/g, ' ').trim();
  return text === '' ? 0 : parseInt(text, 8);
}

/** Size field: octal, or GNU base-256 (high bit of the first byte set) for files of 8 GiB and more. */
function sizeOf(header: Buffer): number {
  if ((header[124]! & 0x80) === 0) return octal(header, 124, 12);
  let size = header[124]! & 0x7f;
  for (let i = 125; i < 136; i++) size = size * 256 + header[i]!;
  return size;
}

/** Unsigned sum of the header bytes with the checksum field counted as eight spaces. */
function checksumOf(header: Buffer): number {
  let sum = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += header[i]!;
  return sum;
}

/** The `path` record of a pax extended header ("<len> path=<value>\n" records), if any. */
function paxPath(body: Buffer): string | null {
  let path: string | null = null;
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    if (space === -1) break;
    const length = parseInt(body.subarray(at, space).toString('latin1'), 10);
    if (!(length > 0)) break;
    const record = body.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (record.slice(0, eq) === 'path') path = record.slice(eq + 1);
    at += length;
  }
  return path;
}

/** Exact-length reads over a stream of chunks, keeping the unread rest of the last chunk. */
function byteReader(source: AsyncIterable<Buffer>, truncated: () => Error) {
  const it = source[Symbol.asyncIterator]();
  let buf: Buffer = Buffer.alloc(0);
  const fill = async (): Promise<boolean> => {
    const next = await it.next();
    if (next.done) return false;
    buf = buf.length === 0 ? next.value : Buffer.concat([buf, next.value]);
    return true;
  };
  async function* pieces(n: number): AsyncGenerator<Buffer> {
    while (n > 0) {
      if (buf.length === 0 && !(await fill())) throw truncated();
      const take = Math.min(n, buf.length);
      yield buf.subarray(0, take);
      buf = buf.subarray(take);
      n -= take;
    }
  }
  return {
    /** n bytes, or null at a clean end of stream. */
    async exact(n: number): Promise<Buffer | null> {
      while (buf.length < n) {
        if (!(await fill())) {
          if (buf.length === 0) return null;
          throw truncated();
        }
      }
      const out = buf.subarray(0, n);
      buf = buf.subarray(n);
      return out;
    },
    pieces,
    async skip(n: number): Promise<void> {
      for await (const _ of pieces(n));
    },
  };
}
