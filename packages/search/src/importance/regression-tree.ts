import type { Rng } from '../rng.js';

/**
 * A fitted regression tree as flat arrays, node 0 the root. A split node sends a point with
 * `x[feature] <= threshold` to `left`, else to `right`; a leaf has `feature` −1 and predicts `value`.
 */
export interface RegressionTree {
  readonly nodeCount: number;
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly value: Float64Array;
}

export interface TreeData {
  /** `columns[f][i]`: feature f of sample i. */
  readonly columns: readonly Float64Array[];
  readonly y: Float64Array;
  /** `orders[f]`: every sample index sorted by feature f, computed once for the whole forest. */
  readonly orders: readonly Int32Array[];
}

/** Sample indices sorted by each feature (ties by index). */
export function featureOrders(columns: readonly Float64Array[], n: number): Int32Array[] {
  return columns.map((column) => Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => column[a] - column[b] || a - b));
}

/**
 * Fits one tree of a random forest as scikit-learn's `RandomForestRegressor` does with Optuna's
 * fANOVA settings (`optuna/importance/_fanova/_fanova.py`): a bootstrap sample of n draws (each
 * sample weighted by how often it was drawn), every feature considered at each split in a random
 * order (the first best split wins), squared-error splits at midpoints between distinct values,
 * one sample per leaf at least, depth at most `maxDepth`, pure nodes not split.
 *
 * Each feature keeps the node's samples sorted in one array segment, partitioned stably at each
 * split, so a level costs O(samples × features) rather than a sort per node.
 */
export function fitRegressionTree(data: TreeData, rng: Rng, maxDepth: number): RegressionTree {
  const { columns, y, orders } = data;
  const n = y.length;
  const d = columns.length;
  const weight = new Float64Array(n);
  for (let k = 0; k < n; k++) weight[rng.int(0, n - 1)] += 1;
  let m = 0;
  const weightedY = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (weight[i] > 0) m++;
    weightedY[i] = weight[i] * y[i];
  }
  // segments[f] holds the in-bag samples sorted by feature f; a node owns [start, end) of each.
  const segments = orders.map((order) => {
    const out = new Int32Array(m);
    let k = 0;
    for (let j = 0; j < n; j++) if (weight[order[j]] > 0) out[k++] = order[j];
    return out;
  });
  const scratch = new Int32Array(m);
  const goesLeft = new Uint8Array(n);
  const featureOrder = Int32Array.from({ length: d }, (_, f) => f);

  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const value: number[] = [];
  const newNode = (): number => {
    feature.push(-1);
    threshold.push(NaN);
    left.push(-1);
    right.push(-1);
    value.push(NaN);
    return feature.length - 1;
  };

  const stack: { node: number; start: number; end: number; depth: number }[] = [{ node: newNode(), start: 0, end: m, depth: 0 }];
  while (stack.length > 0) {
    const { node, start, end, depth } = stack.pop() as (typeof stack)[number];
    const base = segments[0];
    let w = 0;
    let s = 0;
    let yMin = Infinity;
    let yMax = -Infinity;
    for (let k = start; k < end; k++) {
      const i = base[k];
      w += weight[i];
      s += weightedY[i];
      if (y[i] < yMin) yMin = y[i];
      if (y[i] > yMax) yMax = y[i];
    }
    value[node] = s / w;
    if (end - start < 2 || depth >= maxDepth || yMin === yMax || d === 0) continue;

    // Minimising the children's squared error = maximising sL²/wL + sR²/wR.
    const parentProxy = (s * s) / w;
    let bestProxy = parentProxy + 1e-12 * Math.abs(parentProxy) + Number.MIN_VALUE;
    let bestFeature = -1;
    let bestThreshold = NaN;
    for (let a = d - 1; a > 0; a--) {
      const b = rng.int(0, a);
      const t = featureOrder[a];
      featureOrder[a] = featureOrder[b];
      featureOrder[b] = t;
    }
    for (let fi = 0; fi < d; fi++) {
      const f = featureOrder[fi];
      const column = columns[f];
      const seg = segments[f];
      if (column[seg[start]] === column[seg[end - 1]]) continue;
      let wL = 0;
      let sL = 0;
      let xNext = column[seg[start]];
      for (let k = start; k < end - 1; k++) {
        const i = seg[k];
        wL += weight[i];
        sL += weightedY[i];
        const x = xNext;
        xNext = column[seg[k + 1]];
        if (x === xNext) continue;
        const wR = w - wL;
        const sR = s - sL;
        const proxy = (sL * sL) / wL + (sR * sR) / wR;
        if (proxy > bestProxy) {
          bestProxy = proxy;
          bestFeature = f;
          const mid = x / 2 + xNext / 2;
          bestThreshold = mid === xNext || !Number.isFinite(mid) ? x : mid;
        }
      }
    }
    if (bestFeature < 0) continue;

    const column = columns[bestFeature];
    let nLeft = 0;
    for (let k = start; k < end; k++) {
      const i = base[k];
      const isLeft = column[i] <= bestThreshold;
      goesLeft[i] = isLeft ? 1 : 0;
      if (isLeft) nLeft++;
    }
    for (let f = 0; f < d; f++) {
      const seg = segments[f];
      let l = start;
      let r = 0;
      for (let k = start; k < end; k++) {
        const i = seg[k];
        if (goesLeft[i] === 1) seg[l++] = i;
        else scratch[r++] = i;
      }
      seg.set(scratch.subarray(0, r), l);
    }
    feature[node] = bestFeature;
    threshold[node] = bestThreshold;
    const l = newNode();
    const r = newNode();
    left[node] = l;
    right[node] = r;
    stack.push({ node: r, start: start + nLeft, end, depth: depth + 1 });
    stack.push({ node: l, start, end: start + nLeft, depth: depth + 1 });
  }
  return {
    nodeCount: feature.length,
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    value: Float64Array.from(value),
  };
}
