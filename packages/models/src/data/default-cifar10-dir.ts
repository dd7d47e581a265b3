import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatasetError } from './dataset-error.js';

const SHARED_DATA = join('shared', 'datasets', 'cifar10');

/**
 * Where CIFAR-10 lives when the caller does not say: `env.CIFAR10_DIR` when set, otherwise the
 * first `shared/datasets/cifar10` found walking up from `from` (default: this module). A
 * checkout keeps shared/ at its root or beside it (CI copies shared/ next to a fresh clone), and
 * walking up visits both. The caller passes its environment: library code never reads
 * process.env.
 */
export function defaultCifar10Dir(env: Record<string, string | undefined> = {}, from?: string): string {
  const configured = env.CIFAR10_DIR;
  if (configured !== undefined && configured !== '') return resolve(configured);
  const start = resolve(from ?? dirname(fileURLToPath(import.meta.url)));
  const searched: string[] = [];
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, SHARED_DATA);
    searched.push(candidate);
    if (isDirectory(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new DatasetError('DATASET_NOT_FOUND', [
    {
      field: 'CIFAR10_DIR',
      message: `not set, and no ${SHARED_DATA} folder above ${start} (searched ${searched.length} folders up to ${searched.at(-1)})`,
    },
  ]);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
