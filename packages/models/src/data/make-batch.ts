import { CHANNELS, IMAGE_BYTES, IMAGE_SIDE } from './cifar10-format.js';
import { DatasetError, type DatasetIssue } from './dataset-error.js';
import { hashAt, seedToUint32 } from './counter-hash.js';
import type { ImageSplit } from './image-split.js';
import type { RandomStream } from '../randomness.js';

/** Augmentation needs only RandomStream's nextSeed; any source of 32-bit seeds will do. */
export type SeedSource = Pick<RandomStream, 'nextSeed'>;

export interface Normalisation {
  /** Per channel, raw pixel units (as returned by loadCifar10). */
  mean: readonly [number, number, number] | readonly number[];
  std: readonly [number, number, number] | readonly number[];
}

export interface Batch {
  /** count×32×32×3 NHWC, normalised: (pixel − mean) / std per channel. */
  x: Float32Array;
  /** Class indices 0–9. */
  y: Int32Array;
  count: number;
}

/** Zero padding on each side before the 32×32 crop (He et al. 2016, "Deep Residual Learning", §4.2). */
export const CROP_PADDING = 4;
const OFFSETS = 2 * CROP_PADDING + 1;
const ROW = IMAGE_SIDE * CHANNELS;

/**
 * Gathers `indices` of `split` into one normalised float batch. With `augment`, each image is
 * padded by 4 pixels, cropped back to 32×32 at a random offset, then mirrored left–right with
 * probability ½ — the CIFAR-10 augmentation of He et al. 2016. The padding is zero in the
 * normalised input (the training mean colour), as in that paper where images were padded after
 * mean subtraction. Augmentation draws exactly one `nextSeed()` per call and derives every
 * image's offsets and flip from it by counter hashing, so a restored RandomStream repeats a
 * batch exactly. Normalisation goes through a 768-entry lookup table, one float per byte value
 * and channel; no per-image objects are created.
 */
export function makeBatch(
  split: ImageSplit,
  indices: ArrayLike<number>,
  norm: Normalisation,
  augment: null | { random: SeedSource },
): Batch {
  const lut = normalisationTable(norm);
  const count = indices.length;
  checkIndices(split, indices);
  const x = new Float32Array(count * IMAGE_BYTES);
  const y = new Int32Array(count);
  const { images, labels } = split;
  const batchSeed = augment ? seedToUint32(augment.random.nextSeed()) : 0;
  for (let i = 0; i < count; i++) {
    const index = indices[i];
    y[i] = labels[index];
    const src = index * IMAGE_BYTES;
    const dst = i * IMAGE_BYTES;
    if (!augment) {
      for (let q = 0; q < IMAGE_BYTES; q += 3) {
        x[dst + q] = lut[images[src + q]];
        x[dst + q + 1] = lut[256 + images[src + q + 1]];
        x[dst + q + 2] = lut[512 + images[src + q + 2]];
      }
      continue;
    }
    const h = hashAt(batchSeed, i);
    const flip = (h & 1) === 1;
    const r = h >>> 1;
    const dx = (r % OFFSETS) - CROP_PADDING;
    const dy = (Math.floor(r / OFFSETS) % OFFSETS) - CROP_PADDING;
    // out(row, col) = in(row + dy, c + dx) with c = col, or 31 − col when flipped; outside the
    // image the output keeps the zero the array was created with.
    for (let row = 0; row < IMAGE_SIDE; row++) {
      const sr = row + dy;
      if (sr < 0 || sr >= IMAGE_SIDE) continue;
      const inRow = src + sr * ROW;
      const outRow = dst + row * ROW;
      for (let col = 0; col < IMAGE_SIDE; col++) {
        const sc = (flip ? IMAGE_SIDE - 1 - col : col) + dx;
        if (sc < 0 || sc >= IMAGE_SIDE) continue;
        const s = inRow + sc * 3;
        const o = outRow + col * 3;
        x[o] = lut[images[s]];
        x[o + 1] = lut[256 + images[s + 1]];
        x[o + 2] = lut[512 + images[s + 2]];
      }
    }
  }
  return { x, y, count };
}

function normalisationTable(norm: Normalisation): Float32Array {
  const issues: DatasetIssue[] = [];
  for (const key of ['mean', 'std'] as const) {
    const values = norm[key];
    if (!values || values.length !== CHANNELS) {
      issues.push({ field: `norm.${key}`, message: 'must hold 3 numbers (R, G, B)' });
      continue;
    }
    values.forEach((v, c) => {
      if (!Number.isFinite(v) || (key === 'std' && v <= 0)) {
        issues.push({ field: `norm.${key}[${c}]`, message: `must be a finite number${key === 'std' ? ' above 0' : ''}, got ${v}` });
      }
    });
  }
  if (issues.length > 0) throw new DatasetError('DATASET_OPTIONS_INVALID', issues);
  const lut = new Float32Array(256 * CHANNELS);
  for (let c = 0; c < CHANNELS; c++) {
    const mean = norm.mean[c];
    const std = norm.std[c];
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v - mean) / std;
  }
  return lut;
}

function checkIndices(split: ImageSplit, indices: ArrayLike<number>): void {
  if (split.images.length < split.count * IMAGE_BYTES || split.labels.length < split.count) {
    throw new DatasetError('DATASET_OPTIONS_INVALID', [
      { field: 'split', message: `holds fewer bytes or labels than its count of ${split.count} images` },
    ]);
  }
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i];
    if (!Number.isInteger(index) || index < 0 || index >= split.count) {
      throw new DatasetError('DATASET_OPTIONS_INVALID', [
        { field: `indices[${i}]`, message: `must be an integer in [0, ${split.count}), got ${index}` },
      ]);
    }
  }
}
