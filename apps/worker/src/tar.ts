/**
 * A small POSIX ustar writer and reader (IEEE Std 1003.1-2001, "pax" format's ustar header), for
 * checkpoint archives: a handful of regular files under one folder. Writing is deterministic
 * (mtime 0, fixed mode, owner and order as given), so the same checkpoint always gives the same
 * bytes and the same sha256. Reading accepts regular files and folders only and refuses links,
 * devices, pax extensions and names that could leave the extraction folder: an archive comes from
 * Redis, and a checkpoint never needs anything else.
 */

const BLOCK = 512;
const NAME_LENGTH = 100;
const TYPE_FILE = '0';
const TYPE_FILE_OLD = '\0';
const TYPE_DIRECTORY = '5';

export interface TarEntry {
  /** Relative path with '/' separators, e.g. `epoch-3/model.json`. */
  readonly name: string;
  readonly data: Uint8Array;
}

/** The bytes are not a tar archive this reader accepts; `reason` says why. */
export class TarFormatError extends Error {
  readonly code = 'TAR_INVALID' as const;
  constructor(readonly reason: string) {
    super(`invalid tar archive: ${reason}`);
    this.name = 'TarFormatError';
  }
}

const SAFE_SEGMENT = /^[A-Za-z0-9._-]+$/;

/** True for a relative path of plain segments: no '..', no '.', no empty or absolute parts. */
export function isSafeEntryName(name: string): boolean {
  const segments = name.split('/');
  return segments.every((s) => SAFE_SEGMENT.test(s) && s !== '.' && s !== '..');
}

function writeString(header: Buffer, offset: number, length: number, value: string): void {
  header.write(value, offset, length, 'ascii');
}

function writeOctal(header: Buffer, offset: number, length: number, value: number): void {
  // length − 1 octal digits and a NUL, as ustar's numeric fields are.
  writeString(header, offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
}

function checksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  return sum;
}

function fileHeader(name: string, size: number): Buffer {
  const header = Buffer.alloc(BLOCK);
  writeString(header, 0, NAME_LENGTH, name);
  writeOctal(header, 100, 8, 0o644);
  writeOctal(header, 108, 8, 0);
  writeOctal(header, 116, 8, 0);
  writeOctal(header, 124, 12, size);
  writeOctal(header, 136, 12, 0);
  writeString(header, 156, 1, TYPE_FILE);
  writeString(header, 257, 6, 'ustar\0');
  writeString(header, 263, 2, '00');
  writeString(header, 148, 8, `${checksum(header).toString(8).padStart(6, '0')}\0 `);
  return header;
}

/** Packs `entries` in the order given. Names must be safe (see `isSafeEntryName`) and fit 100 bytes. */
export function writeTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const { name, data } of entries) {
    if (!isSafeEntryName(name)) throw new RangeError(`tar entry name must be a safe relative path, got ${JSON.stringify(name)}`);
    if (Buffer.byteLength(name) > NAME_LENGTH) throw new RangeError(`tar entry name must fit ${NAME_LENGTH} bytes, got ${name}`);
    parts.push(fileHeader(name, data.byteLength), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    const padding = (BLOCK - (data.byteLength % BLOCK)) % BLOCK;
    if (padding > 0) parts.push(Buffer.alloc(padding));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

function readString(header: Buffer, offset: number, length: number): string {
  const field = header.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString('ascii');
}

function readOctal(header: Buffer, offset: number, length: number, field: string): number {
  const text = readString(header, offset, length).trim();
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`${field} is not an octal number`);
  return Number.parseInt(text, 8);
}

const isZeroBlock = (block: Buffer): boolean => block.every((b) => b === 0);

/**
 * Unpacks an archive into memory. Throws `TarFormatError` for a bad checksum, a truncated entry,
 * a missing end-of-archive marker, an entry that is neither a regular file nor a folder, an unsafe
 * name or a name that occurs twice. Folder entries are skipped (files carry their paths).
 */
export function readTar(archive: Uint8Array): TarEntry[] {
  const bytes = Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength);
  const entries: TarEntry[] = [];
  const seen = new Set<string>();
  let offset = 0;
  for (;;) {
    if (offset + BLOCK > bytes.length) throw new TarFormatError('ends without the end-of-archive marker');
    const header = bytes.subarray(offset, offset + BLOCK);
    if (isZeroBlock(header)) return entries;
    if (readOctal(header, 148, 8, 'header checksum') !== checksum(header)) {
      throw new TarFormatError(`header checksum mismatch at byte ${offset}`);
    }
    const prefix = readString(header, 345, 155);
    const base = readString(header, 0, NAME_LENGTH);
    const name = (prefix === '' ? base : `${prefix}/${base}`).replace(/\/$/, '');
    const type = String.fromCharCode(header[156]);
    const size = readOctal(header, 124, 12, `size of ${name}`);
    offset += BLOCK;
    if (type === TYPE_DIRECTORY) continue;
    if (type !== TYPE_FILE && type !== TYPE_FILE_OLD) {
      throw new TarFormatError(`entry ${JSON.stringify(name)} has type '${type}'; only regular files and folders are accepted`);
    }
    if (!isSafeEntryName(name)) throw new TarFormatError(`entry name ${JSON.stringify(name)} is not a safe relative path`);
    if (seen.has(name)) throw new TarFormatError(`entry ${name} occurs twice`);
    if (offset + size > bytes.length) throw new TarFormatError(`entry ${name} is truncated`);
    seen.add(name);
    entries.push({ name, data: new Uint8Array(bytes.subarray(offset, offset + size)) });
    offset += Math.ceil(size / BLOCK) * BLOCK;
  }
}
