/**
 * The CIFAR-10 binary format (https://www.cs.toronto.edu/~kriz/cifar.html, "binary version"):
 * each record is one label byte then 3,072 pixel bytes, 1,024 red, 1,024 green, 1,024 blue,
 * each plane 32×32 row-major. No header, no padding, 10,000 records per file.
 */
export const IMAGE_SIDE = 32;
export const CHANNELS = 3;
export const PLANE_BYTES = IMAGE_SIDE * IMAGE_SIDE;
export const IMAGE_BYTES = PLANE_BYTES * CHANNELS;
export const RECORD_BYTES = 1 + IMAGE_BYTES;
export const RECORDS_PER_FILE = 10_000;
export const CLASS_COUNT = 10;

export const TRAIN_FILES = ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5'] as const;
export const TEST_FILE = 'test_batch';
export const META_FILE = 'batches.meta.txt';
export const TRAIN_RECORDS = TRAIN_FILES.length * RECORDS_PER_FILE;
export const TEST_RECORDS = RECORDS_PER_FILE;
