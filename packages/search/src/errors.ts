/** Stable codes that clients branch on; the api maps each to one HTTP status. */
export type SearchErrorCode = 'SEARCH_SPACE_INVALID' | 'ILLEGAL_TRANSITION';

export interface SearchSpaceIssue {
  /** The parameter the problem is about ('' for the space as a whole). */
  readonly param: string;
  readonly message: string;
}

export class SearchSpaceError extends Error {
  readonly code = 'SEARCH_SPACE_INVALID' as const;
  constructor(readonly issues: readonly SearchSpaceIssue[]) {
    super(`invalid search space: ${issues.map((i) => (i.param ? `${i.param}: ${i.message}` : i.message)).join('; ')}`);
    this.name = 'SearchSpaceError';
  }
}

export class IllegalTransitionError extends Error {
  readonly code = 'ILLEGAL_TRANSITION' as const;
  constructor(
    readonly from: string,
    readonly event: string,
  ) {
    super(`trial in state ${from} cannot take event ${event}`);
    this.name = 'IllegalTransitionError';
  }
}
