/**
 * The worker's local checkpoint folders (CHECKPOINT_TMP_DIR) cannot be escaped: whatever ids a
 * message carries and whatever entry names an archive from Redis holds, the worker reads and
 * writes only under its root. Property-based, with hostile strings (traversal, absolute paths,
 * encodings, NUL, unicode).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isContractId } from '@tunefleet/contracts';
import { CheckpointError, resolveCheckpointDir } from '@tunefleet/models';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointArchiveError, unpackCheckpoint } from '../src/checkpoint-archive.js';
import { writeTar } from '../src/tar.js';

const TRAVERSAL = [
  '..',
  '.',
  '../..',
  '../../etc/passwd',
  '/etc/passwd',
  '//etc',
  'a/../../b',
  '..\\..\\windows',
  '%2e%2e%2f',
  '..%2f',
  'a\u0000b',
  '\u0000',
  'epoch-1/../../x',
  'epoch-1/./x',
  'epoch-1//x',
  'epoch-1/x/',
  '~',
  '~/x',
  '\u2025/x',
  '.\u2024/x',
];

const hostile = fc.oneof(
  fc.constantFrom(...TRAVERSAL),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.array(fc.constantFrom('..', '.', 'a', 'epoch-1', '', '/', 'x\u0000'), { minLength: 1, maxLength: 6 }).map((s) => s.join('/')),
);

const inside = (root: string, target: string): boolean => {
  const relative = path.relative(root, target);
  return relative !== '' && relative.split(path.sep)[0] !== '..' && !path.isAbsolute(relative);
};

describe('ids as path segments', () => {
  it('an id the contracts accept never leaves the scratch root as a trial folder', () => {
    const root = '/var/lib/tunefleet/scratch';
    fc.assert(
      fc.property(hostile, fc.integer({ min: 1, max: 1000 }), (id, attempt) => {
        if (!isContractId(id)) return;
        // The worker's trial folder: <CHECKPOINT_TMP_DIR>/<trialId>/a<attempt> (process-trial.ts).
        expect(inside(root, path.join(root, id, `a${attempt}`)), id).toBe(true);
      }),
      { numRuns: 2_000 },
    );
    for (const id of TRAVERSAL) expect(isContractId(id), JSON.stringify(id)).toBe(false);
  });

  it('resolveCheckpointDir returns a folder under its root or refuses with unsafe-path', () => {
    const root = '/data/checkpoints';
    fc.assert(
      fc.property(hostile, (dir) => {
        let resolved: string;
        try {
          resolved = resolveCheckpointDir(dir, root);
        } catch (err) {
          expect(err).toBeInstanceOf(CheckpointError);
          expect((err as CheckpointError).reason).toBe('unsafe-path');
          return;
        }
        expect(resolved === root || inside(root, resolved), `${JSON.stringify(dir)} → ${resolved}`).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });
});

/** A one-entry ustar archive with any name, bypassing writeTar's checks (as a forged archive would). */
function forgedTar(name: string): Buffer {
  const template = Buffer.from(writeTar([{ name: 'epoch-1/x', data: new Uint8Array([1, 2, 3]) }]));
  const header = template.subarray(0, 512);
  header.fill(0, 0, 100);
  Buffer.from(name, 'utf8').copy(header, 0, 0, 100);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return template;
}

describe('archives from Redis', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'checkpoint-paths-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('unpack only under the trial folder, whatever entry names they hold', async () => {
    const into = path.join(root, 'trial', 'a1', 'resume');
    await fc.assert(
      fc.asyncProperty(hostile, async (name) => {
        let dir: string;
        try {
          dir = await unpackCheckpoint(forgedTar(name), into, 1);
        } catch (err) {
          expect(err, JSON.stringify(name)).toBeInstanceOf(CheckpointArchiveError);
          return;
        }
        expect(inside(into, dir)).toBe(true);
        for (const file of await readdir(dir)) expect(inside(dir, path.join(dir, file))).toBe(true);
      }),
      { numRuns: 500 },
    );
    // Nothing appeared beside the trial folder, whatever was refused or unpacked.
    expect(await readdir(root)).toEqual(['trial']);
    expect(await readdir(path.join(root, 'trial'))).toEqual(['a1']);
    // The forgery itself is sound: a safe name unpacks.
    expect(await readdir(await unpackCheckpoint(forgedTar('epoch-1/model.json'), into, 1))).toEqual(['model.json']);
  });
});
