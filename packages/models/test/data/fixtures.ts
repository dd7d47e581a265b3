import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const RECORD_BYTES = 3073;

/** A pixel value for channel c at (row, col) of record r: distinct per channel, row and column. */
export type PixelFn = (c: number, row: number, col: number) => number;

/** One record in the official layout: label, then 1,024 R, 1,024 G, 1,024 B bytes, row-major. */
export function makeRecord(label: number, pixel: PixelFn): Uint8Array {
  const record = new Uint8Array(RECORD_BYTES);
  record[0] = label;
  for (let c = 0; c < 3; c++) {
    for (let row = 0; row < 32; row++) {
      for (let col = 0; col < 32; col++) record[1 + c * 1024 + row * 32 + col] = pixel(c, row, col);
    }
  }
  return record;
}

/** Record r of a synthetic file: label r mod 10, pixels that encode r, channel, row and column. */
export function syntheticPixel(r: number): PixelFn {
  return (c, row, col) => (r * 7 + c * 85 + row * 3 + col * 5) & 0xff;
}

export function syntheticRecords(count: number, first = 0): Uint8Array {
  const out = new Uint8Array(count * RECORD_BYTES);
  for (let i = 0; i < count; i++) out.set(makeRecord((first + i) % 10, syntheticPixel(first + i)), i * RECORD_BYTES);
  return out;
}

export async function writeBatch(path: string, bytes: Uint8Array): Promise<string> {
  await writeFile(path, path.endsWith('.gz') ? gzipSync(bytes) : bytes);
  return path;
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'tunefleet-data-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const CLASS_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** Byte equality of two typed arrays; vitest's deep equality walks element by element and is far slower on megabytes. */
export function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

export interface TarEntry {
  name: string;
  data?: Uint8Array;
  /** '0' file (default), '5' directory, '2' symlink, 'x' pax header (data = its records). */
  type?: string;
}

/** A ustar archive (POSIX 1003.1-1988 headers), enough to exercise the extractor in tests. */
export function makeTar(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const { name, data = new Uint8Array(0), type = '0' } of entries) {
    const header = Buffer.alloc(512);
    header.write(name.slice(0, 100), 0, 'utf8');
    header.write('0000644\0', 100, 'latin1');
    header.write('0000000\0', 108, 'latin1');
    header.write('0000000\0', 116, 'latin1');
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
    header.write('00000000000\0', 136, 'latin1');
    header.write(type, 156, 'latin1');
    header.write('ustar\0', 257, 'latin1');
    header.write('00', 263, 'latin1');
    let sum = 8 * 0x20;
    for (let i = 0; i < 512; i++) if (i < 148 || i >= 156) sum += header[i]!;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    blocks.push(header, Buffer.from(data), Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** A pax extended header's records, each "<length> <key>=<value>\n" with length counting itself. */
export function paxRecords(fields: Record<string, string>): Uint8Array {
  let out = '';
  for (const [key, value] of Object.entries(fields)) {
    const body = ` ${key}=${value}\n`;
    let length = body.length + 1;
    while (String(length).length + body.length !== length) length++;
    out += `${length}${body}`;
  }
  return Buffer.from(out, 'utf8');
}
