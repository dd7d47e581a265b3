import { HEAP, type Scratch } from './scratch.js';

/**
 * The distinct kernels of a grid dimension. Grid observations repeat values and, within one
 * estimator, share a few bandwidths, so a thousand components have a few dozen distinct (mean, σ)
 * pairs; their log masses are computed once per pair instead of once per component.
 */
export interface GridKernels {
  /** Kernel id of each component, ids numbered in order of first occurrence. */
  readonly ids: Int32Array;
  /** Component index of each id's first occurrence. */
  readonly firsts: Int32Array;
}

/**
 * Groups components with the same mean and bandwidth (exact equality), in one pass: each mean is
 * hashed to its grid cell of [low, high] (cells of width `step`), whose short list of distinct
 * kernels is then searched. Means off the grid (the prior's centre) land in a neighbouring cell,
 * which only costs a longer list there.
 */
export function gridKernels(low: number, step: number, nCells: number, mus: Float64Array, sigmas: Float64Array, scratch: Scratch = HEAP): GridKernels {
  const m = mus.length;
  const head = scratch.i32(nCells + 1).fill(-1);
  const next = scratch.i32(m);
  const firsts = scratch.i32(m);
  const ids = scratch.i32(m);
  let count = 0;
  for (let i = 0; i < m; i++) {
    const mu = mus[i];
    const sigma = sigmas[i];
    const cell = Math.min(nCells, Math.max(0, Math.floor((mu - low) / step)));
    let id = head[cell];
    while (id >= 0 && !(mus[firsts[id]] === mu && sigmas[firsts[id]] === sigma)) id = next[id];
    if (id < 0) {
      id = count++;
      firsts[id] = i;
      next[id] = head[cell];
      head[cell] = id;
    }
    ids[i] = id;
  }
  return { ids, firsts: firsts.subarray(0, count) };
}
