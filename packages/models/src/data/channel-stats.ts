import { CHANNELS, IMAGE_BYTES } from './cifar10-format.js';

export interface ChannelStats {
  /** Per channel (R, G, B), in raw pixel units 0–255. */
  mean: [number, number, number];
  /** Population standard deviation per channel, in raw pixel units. */
  std: [number, number, number];
}

/**
 * Per-channel mean and standard deviation over every pixel of `count` NHWC images. A byte
 * histogram per channel makes the pass integer-only and the float64 moments exact.
 */
export function channelStats(images: Uint8Array, count: number): ChannelStats {
  if (count < 1) throw new RangeError('channelStats needs at least one image');
  const hist = new Float64Array(256 * CHANNELS);
  const end = count * IMAGE_BYTES;
  for (let q = 0; q < end; q += 3) {
    hist[images[q]]++;
    hist[256 + images[q + 1]]++;
    hist[512 + images[q + 2]]++;
  }
  const pixels = end / CHANNELS;
  const mean: [number, number, number] = [0, 0, 0];
  const std: [number, number, number] = [0, 0, 0];
  for (let c = 0; c < CHANNELS; c++) {
    let sum = 0;
    let sumSq = 0;
    for (let v = 0; v < 256; v++) {
      const n = hist[c * 256 + v];
      sum += n * v;
      sumSq += n * v * v;
    }
    const m = sum / pixels;
    mean[c] = m;
    std[c] = Math.sqrt(Math.max(0, sumSq / pixels - m * m));
  }
  return { mean, std };
}
