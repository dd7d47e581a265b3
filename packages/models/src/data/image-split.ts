/** One split of an image data set, as flat bytes: no per-image objects. */
export interface ImageSplit {
  /** count×32×32×3, NHWC (row-major, channels interleaved R, G, B), raw bytes 0–255. */
  images: Uint8Array;
  /** Class index 0–9 per image. */
  labels: Uint8Array;
  count: number;
}
