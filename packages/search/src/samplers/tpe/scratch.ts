/**
 * Where TPE's working arrays come from. A suggestion over a thousand trials needs about a hundred
 * arrays of a thousand numbers. Allocated one by one, each costs a backing store, counts as external
 * memory that brings the garbage collector round sooner, and, from about 128 KiB, fresh pages from
 * the operating system. An arena hands out zero-filled views of a few blocks that are kept from one
 * suggestion to the next instead.
 */
export interface Scratch {
  f64(n: number): Float64Array;
  i32(n: number): Int32Array;
  u8(n: number): Uint8Array;
}

/** Plain allocation, for callers outside a suggestion (tests, one-off estimators). */
export const HEAP: Scratch = {
  f64: (n) => new Float64Array(n),
  i32: (n) => new Int32Array(n),
  u8: (n) => new Uint8Array(n),
};

/** Smallest block, in bytes; a larger request gets a block of its own size. */
const BLOCK_BYTES = 1 << 16;

interface Arena extends Scratch {
  /** Makes every block free again; views handed out before must no longer be used. */
  reset(): void;
}

function createArena(): Arena {
  const blocks: ArrayBuffer[] = [];
  let current = -1;
  let block = new ArrayBuffer(0);
  let used = 0;
  /** Reserves `bytes` and returns the offset in `block`, moving to the next block when this one is full. */
  const take = (bytes: number): number => {
    // Every view starts on an 8-byte boundary, as Float64Array requires.
    const size = (bytes + 7) & ~7;
    if (used + size > block.byteLength) {
      current++;
      if (current === blocks.length || blocks[current].byteLength < size) blocks.splice(current, 0, new ArrayBuffer(Math.max(BLOCK_BYTES, size)));
      block = blocks[current];
      used = 0;
    }
    const at = used;
    used += size;
    return at;
  };
  return {
    // `take` may move to another block, so it runs before `block` is read.
    f64: (n) => {
      const at = take(n * 8);
      return new Float64Array(block, at, n).fill(0);
    },
    i32: (n) => {
      const at = take(n * 4);
      return new Int32Array(block, at, n).fill(0);
    },
    u8: (n) => {
      const at = take(n);
      return new Uint8Array(block, at, n).fill(0);
    },
    reset: () => {
      current = -1;
      block = new ArrayBuffer(0);
      used = 0;
    },
  };
}

const shared = createArena();
let sharedBusy = false;

/**
 * Runs `work` with an arena whose views are valid until `work` returns; nothing allocated from it may
 * outlive the call. One arena is kept for the process, so blocks are reused across suggestions; a
 * nested call (a gamma or weights function that itself suggests) gets a fresh one.
 */
export function withScratch<T>(work: (scratch: Scratch) => T): T {
  if (sharedBusy) return work(createArena());
  sharedBusy = true;
  try {
    return work(shared);
  } finally {
    shared.reset();
    sharedBusy = false;
  }
}
