/** Stable codes that callers branch on (the worker treats all but DOWNLOAD_FAILED as deterministic). */
export type DatasetErrorCode =
  | 'DATASET_NOT_FOUND'
  | 'DATASET_CORRUPT'
  | 'DATASET_OPTIONS_INVALID'
  | 'CHECKSUM_MISMATCH'
  | 'DOWNLOAD_FAILED';

export interface DatasetIssue {
  /** The option or file the problem is about. */
  readonly field: string;
  readonly message: string;
}

/**
 * Everything that can go wrong while finding, verifying, downloading or reading a data set.
 * `issues` names each offending option or file, so one error reports every problem at once.
 */
export class DatasetError extends Error {
  constructor(
    readonly code: DatasetErrorCode,
    readonly issues: readonly DatasetIssue[],
    options?: { cause?: unknown },
  ) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('; '), options);
    this.name = 'DatasetError';
  }
}
