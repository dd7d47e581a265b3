/**
 * Checkpoint archives: one epoch's checkpoint folder as a tar archive, the form in which
 * checkpoints travel through Redis to the scheduler and back (see @tunefleet/contracts,
 * "Checkpoints"). Every entry lies under `epoch-<n>/`, the name of the folder `train()` writes, so
 * unpacking an archive recreates that folder exactly; the files' own checksums are in the
 * checkpoint's `manifest.json`, which `train()` verifies when it resumes.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type TarEntry, TarFormatError, readTar, writeTar } from './tar.js';

export interface CheckpointArchive {
  readonly epoch: number;
  readonly data: Buffer;
  /** Hex sha256 of `data`, as the `epoch` event's `checkpoint.sha256`. */
  readonly sha256: string;
  readonly size: number;
}

export type CheckpointArchiveProblem = 'missing' | 'corrupt';

/**
 * An archive that cannot be used to resume: `missing` (no bytes under the key) or `corrupt` (not
 * a tar archive, wrong epoch, unexpected entries). Deterministic: the same bytes fail again.
 */
export class CheckpointArchiveError extends Error {
  readonly code = 'CHECKPOINT_ARCHIVE_INVALID' as const;
  constructor(
    readonly problem: CheckpointArchiveProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CheckpointArchiveError';
  }
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function epochFolder(epoch: number): string {
  if (!Number.isSafeInteger(epoch) || epoch < 1) throw new RangeError(`epoch must be an integer >= 1, got ${epoch}`);
  return `epoch-${epoch}`;
}

/** Archives `files` (name → bytes) as the checkpoint of `epoch`, in name order. */
export function archiveFiles(epoch: number, files: Readonly<Record<string, Uint8Array>>): CheckpointArchive {
  const folder = epochFolder(epoch);
  const names = Object.keys(files).sort();
  if (names.length === 0) throw new RangeError('a checkpoint archive needs at least one file');
  for (const name of names) {
    if (!FILE_NAME.test(name)) throw new RangeError(`checkpoint file name must be a plain file name, got ${JSON.stringify(name)}`);
  }
  const data = writeTar(names.map((name): TarEntry => ({ name: `${folder}/${name}`, data: files[name] })));
  return { epoch, data, sha256: sha256Hex(data), size: data.byteLength };
}

/**
 * Archives the checkpoint folder `dir` (`…/epoch-<epoch>`, as `train()` writes it). The folder
 * must hold regular files only; a subfolder means it is not a checkpoint of this format.
 */
export async function packCheckpoint(dir: string, epoch: number): Promise<CheckpointArchive> {
  if (path.basename(dir) !== epochFolder(epoch)) {
    throw new RangeError(`checkpoint folder of epoch ${epoch} must be named ${epochFolder(epoch)}, got ${dir}`);
  }
  const files: Record<string, Uint8Array> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile()) throw new Error(`checkpoint folder ${dir} holds ${entry.name}, which is not a regular file`);
    files[entry.name] = await readFile(path.join(dir, entry.name));
  }
  return archiveFiles(epoch, files);
}

/**
 * Reads the files of the checkpoint of `epoch` from an archive: every entry must be a plain file
 * directly under `epoch-<epoch>/`. Throws `CheckpointArchiveError` (`corrupt`) otherwise.
 */
export function readCheckpointFiles(data: Uint8Array, epoch: number): Map<string, Uint8Array> {
  const folder = epochFolder(epoch);
  let entries: TarEntry[];
  try {
    entries = readTar(data);
  } catch (err) {
    if (err instanceof TarFormatError) throw new CheckpointArchiveError('corrupt', `checkpoint archive of epoch ${epoch}: ${err.reason}`, { cause: err });
    throw err;
  }
  if (entries.length === 0) throw new CheckpointArchiveError('corrupt', `checkpoint archive of epoch ${epoch} holds no files`);
  const files = new Map<string, Uint8Array>();
  for (const entry of entries) {
    const [top, name, ...rest] = entry.name.split('/');
    if (top !== folder || name === undefined || rest.length > 0 || !FILE_NAME.test(name)) {
      throw new CheckpointArchiveError('corrupt', `checkpoint archive of epoch ${epoch} holds ${entry.name}, outside ${folder}/`);
    }
    files.set(name, entry.data);
  }
  return files;
}

/**
 * Unpacks the checkpoint archive of `epoch` into `into`, replacing any earlier `epoch-<epoch>`
 * there, and returns the checkpoint folder's path (what `train()` takes as `resumeFrom`).
 */
export async function unpackCheckpoint(data: Uint8Array, into: string, epoch: number): Promise<string> {
  const files = readCheckpointFiles(data, epoch);
  const dir = path.join(into, epochFolder(epoch));
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const [name, bytes] of files) await writeFile(path.join(dir, name), bytes);
  return dir;
}
