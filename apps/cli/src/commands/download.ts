/**
 * `tunefleet download <trialId> [--epoch N] [-o file]`: streams a checkpoint archive to a file,
 * checking its sha256 against the api's `x-checksum-sha256` as it goes; a partial or corrupt file
 * is removed.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { integerOption } from '../args.js';
import type { TrialDetail } from '../api-types.js';
import type { Command } from '../command.js';
import { CommandFailedError, EXIT_OK } from '../errors.js';
import { formatCount } from '../format.js';

/** The file name of a Content-Disposition header, reduced to a bare name (no directories); null if none. */
export function fileNameFromDisposition(header: string | null): string | null {
  if (header === null) return null;
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/.exec(header);
  let name: string | undefined;
  try {
    name = extended ? decodeURIComponent(extended[1]) : (plain?.[1]?.replace(/\\(.)/g, '$1') ?? plain?.[2]);
  } catch {
    name = undefined;
  }
  if (name === undefined) return null;
  const bare = basename(name.replace(/\\/g, '/'));
  return bare === '' || bare === '.' || bare === '..' ? null : bare;
}

export const download: Command = {
  spec: {
    name: 'download',
    summary: "save a trial's checkpoint archive (tar) to a file",
    usage: 'tunefleet download <trialId> [--epoch N] [-o FILE]',
    positionals: ['trialId'],
    options: { epoch: { type: 'string' }, output: { type: 'string', short: 'o' } },
    optionHelp: [
      '--epoch N      the checkpoint of epoch N (default: the latest)',
      '-o, --output F  write to F (default: the name the api gives, else trial-<number>-epoch-<epoch>.tar)',
    ],
  },
  async run({ args, client, print, io }) {
    const trialId = args.positionals[0];
    const api = client();
    let epoch = integerOption(args.values, 'epoch', 'download', 0, 2 ** 31 - 1);
    let trial: TrialDetail | null = null;
    if (epoch === undefined) {
      trial = await api.get<TrialDetail>(`/trials/${encodeURIComponent(trialId)}`);
      const latest = trial.checkpoints.at(-1);
      if (!latest) throw new CommandFailedError(`trial #${trial.number} (${trialId}) has no checkpoints`);
      epoch = latest.epoch;
    }
    const response = await api.open(`/trials/${encodeURIComponent(trialId)}/checkpoints/${epoch}`, { accept: 'application/x-tar' });
    let name = typeof args.values.output === 'string' ? args.values.output : fileNameFromDisposition(response.headers.get('content-disposition'));
    if (name === null) {
      trial ??= await api.get<TrialDetail>(`/trials/${encodeURIComponent(trialId)}`);
      name = `trial-${trial.number}-epoch-${epoch}.tar`;
    }
    const target = resolve(io.cwd, name);
    const expected = response.headers.get('x-checksum-sha256');
    const hash = createHash('sha256');
    let bytes = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        bytes += chunk.length;
        callback(null, chunk);
      },
    });
    try {
      if (!response.body) throw new CommandFailedError('the api sent no archive');
      await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), tap, createWriteStream(target));
      const actual = hash.digest('hex');
      if (expected !== null && actual !== expected) {
        throw new CommandFailedError(`checksum mismatch: the api announced sha256 ${expected}, the bytes have ${actual}`);
      }
      print(`saved ${name} (${formatCount(bytes)} bytes, sha256 ${actual})`);
    } catch (err) {
      await rm(target, { force: true });
      if (err instanceof CommandFailedError) throw err;
      throw new CommandFailedError(`download of epoch ${epoch} failed: ${(err as Error).message}`);
    }
    return EXIT_OK;
  },
};
