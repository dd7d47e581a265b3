import { mkdtemp, mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CheckpointArchiveError,
  archiveFiles,
  packCheckpoint,
  readCheckpointFiles,
  sha256Hex,
  unpackCheckpoint,
} from '../src/checkpoint-archive.js';
import { readTar, writeTar } from '../src/tar.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'worker-archive-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function checkpointFolder(epoch: number, files: Record<string, Uint8Array | string>): Promise<string> {
  const folder = path.join(dir, 'trial', `epoch-${epoch}`);
  await mkdir(folder, { recursive: true });
  for (const [name, data] of Object.entries(files)) await writeFile(path.join(folder, name), data);
  return folder;
}

const binary = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) % 256);

describe('checkpoint archives', () => {
  it('round-trips a checkpoint folder byte for byte', async () => {
    const files = { 'model.json': '{"format":"layers-model"}', 'weights.bin': binary(5_000), 'manifest.json': '{}', 'empty.bin': new Uint8Array(0) };
    const folder = await checkpointFolder(3, files);
    const archive = await packCheckpoint(folder, 3);
    expect(archive.size).toBe(archive.data.byteLength);
    expect(archive.size % 512).toBe(0);
    expect(archive.sha256).toBe(sha256Hex(archive.data));

    const restored = await unpackCheckpoint(archive.data, path.join(dir, 'resume'), 3);
    expect(restored).toBe(path.join(dir, 'resume', 'epoch-3'));
    expect((await readdir(restored)).sort()).toEqual(Object.keys(files).sort());
    for (const [name, data] of Object.entries(files)) {
      expect(new Uint8Array(await readFile(path.join(restored, name)))).toEqual(typeof data === 'string' ? new TextEncoder().encode(data) : data);
    }
  });

  it('gives the same bytes and sha256 for the same checkpoint', async () => {
    const one = archiveFiles(2, { 'b.bin': binary(700), 'a.json': Buffer.from('[1,2,3]') });
    const two = archiveFiles(2, { 'a.json': Buffer.from('[1,2,3]'), 'b.bin': binary(700) });
    expect(two.sha256).toBe(one.sha256);
    expect(readTar(one.data).map((e) => e.name)).toEqual(['epoch-2/a.json', 'epoch-2/b.bin']);
  });

  it('writes archives that GNU tar lists', async () => {
    const archive = archiveFiles(1, { 'state.json': Buffer.from('{"epoch":1}') });
    const file = path.join(dir, 'a.tar');
    await writeFile(file, archive.data);
    const { execFileSync } = await import('node:child_process');
    expect(execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim()).toBe('epoch-1/state.json');
    expect(execFileSync('tar', ['-xOf', file, 'epoch-1/state.json'], { encoding: 'utf8' })).toBe('{"epoch":1}');
  });

  it('refuses a folder named for another epoch', async () => {
    const folder = await checkpointFolder(4, { 'state.json': '{}' });
    await expect(packCheckpoint(folder, 5)).rejects.toThrow(/must be named epoch-5/);
  });

  it('refuses a folder holding anything but regular files', async () => {
    const folder = await checkpointFolder(1, { 'state.json': '{}' });
    await symlink('/etc/passwd', path.join(folder, 'link'));
    await expect(packCheckpoint(folder, 1)).rejects.toThrow(/link, which is not a regular file/);
  });

  const corrupt = (data: Uint8Array, epoch: number) => {
    try {
      readCheckpointFiles(data, epoch);
    } catch (err) {
      expect(err).toBeInstanceOf(CheckpointArchiveError);
      expect((err as CheckpointArchiveError).problem).toBe('corrupt');
      return (err as Error).message;
    }
    throw new Error('expected the archive to be refused');
  };

  it('refuses an archive of another epoch', () => {
    expect(corrupt(archiveFiles(2, { 'state.json': Buffer.from('{}') }).data, 3)).toMatch(/holds epoch-2\/state.json, outside epoch-3\//);
  });

  it('refuses bytes that are not a tar archive', () => {
    expect(corrupt(Buffer.from('{"trialId":"t","epoch":1}'), 1)).toMatch(/end-of-archive marker|checksum|octal/);
  });

  it('refuses a truncated archive', () => {
    const { data } = archiveFiles(1, { 'weights.bin': binary(3_000) });
    expect(corrupt(data.subarray(0, 1_024), 1)).toMatch(/truncated|end-of-archive/);
  });

  it('refuses an archive whose header was altered', () => {
    const { data } = archiveFiles(1, { 'weights.bin': binary(100) });
    const altered = Buffer.from(data);
    altered[5] ^= 0x20;
    expect(corrupt(altered, 1)).toMatch(/header checksum mismatch/);
  });

  it('refuses entries that would leave the extraction folder', () => {
    expect(() => writeTar([{ name: '../escape', data: new Uint8Array(1) }])).toThrow(/safe relative path/);
    // Forge the entry by rewriting a safe name of the same length and fixing the checksum.
    const forged = Buffer.from(writeTar([{ name: 'epoch-1/aa/x', data: new Uint8Array(1) }]));
    forged.write('epoch-1/../x', 0, 'ascii');
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : forged[i];
    forged.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
    expect(corrupt(forged, 1)).toMatch(/not a safe relative path/);
  });

  it('refuses links and other special entries', () => {
    const forged = Buffer.from(writeTar([{ name: 'epoch-1/state.json', data: new Uint8Array(0) }]));
    forged.write('2', 156, 'ascii');
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : forged[i];
    forged.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
    expect(corrupt(forged, 1)).toMatch(/has type '2'; only regular files and folders/);
  });
});
