import { hashAt, seedToUint32 } from './counter-hash.js';

export interface SplitPlan {
  /**
   * Per pool record: its image index in the combined validation+train buffer, or -1 when the
   * record is not used. Validation takes indices [0, validationSize), train the rest; each
   * split keeps file order.
   */
  slots: Int32Array;
}

/**
 * Chooses which records of a pool of training records become validation and which train,
 * uniformly at random from `seed`: a partial Fisher–Yates shuffle (Knuth, TAOCP vol. 2, 3.4.2)
 * draws validationSize + trainSize distinct records, the first validationSize of them going to
 * validation. Disjoint by construction; the same seed and sizes always give the same split.
 */
export function planSplit(poolSize: number, validationSize: number, trainSize: number, seed: number): SplitPlan {
  const needed = validationSize + trainSize;
  if (needed > poolSize) throw new RangeError(`cannot take ${needed} records from a pool of ${poolSize}`);
  const order = new Int32Array(poolSize);
  for (let i = 0; i < poolSize; i++) order[i] = i;
  const stream = seedToUint32(seed);
  for (let i = 0; i < needed; i++) {
    // A 32-bit draw scaled to the remaining range; the bias is below poolSize / 2^32 ≈ 1e-5.
    const j = i + Math.floor((hashAt(stream, i) / 0x1_0000_0000) * (poolSize - i));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  // Roles first, then indices in file order so both splits read the files front to back.
  const role = new Uint8Array(poolSize); // 0 unused, 1 validation, 2 train
  for (let i = 0; i < needed; i++) role[order[i]] = i < validationSize ? 1 : 2;
  const slots = new Int32Array(poolSize);
  let nextValidation = 0;
  let nextTrain = validationSize;
  for (let r = 0; r < poolSize; r++) {
    slots[r] = role[r] === 1 ? nextValidation++ : role[r] === 2 ? nextTrain++ : -1;
  }
  return { slots };
}
