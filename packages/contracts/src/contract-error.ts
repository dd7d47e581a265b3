import type { TSchema } from 'typebox';
import { Settings } from 'typebox/system';
import { Value } from 'typebox/value';

/**
 * TypeBox stops collecting errors at `maxErrors` (default 8, a guard against huge inputs). Our
 * messages are small and fully described by a few dozen issues, so diagnostics raise the cap for
 * the duration of one synchronous call and restore it, leaving other users of TypeBox unaffected.
 */
const MAX_ISSUES = 32;

function collectErrors(schema: TSchema, value: unknown): SchemaError[] {
  const previous = Settings.Get().maxErrors;
  Settings.Set({ maxErrors: MAX_ISSUES });
  try {
    return [...Value.Errors(schema, value)] as SchemaError[];
  } finally {
    Settings.Set({ maxErrors: previous });
  }
}

export interface ContractIssue {
  /** JSON pointer into the message, e.g. `/objective/dataset/trainSize` ('' for the message itself). */
  readonly path: string;
  readonly message: string;
}

/**
 * A message that does not match its contract. Deterministic: a worker answers it with BullMQ's
 * UnrecoverableError, a scheduler logs it and drops the job; retrying cannot help.
 */
export class ContractError extends Error {
  readonly code = 'CONTRACT_INVALID' as const;
  constructor(
    /** Which contract, e.g. `trial.run`. */
    readonly contract: string,
    readonly issues: readonly ContractIssue[],
  ) {
    super(`invalid ${contract} message: ${issues.map((i) => `${i.path || '(message)'} ${i.message}`).join('; ')}`);
    this.name = 'ContractError';
  }
}

/** Every schema violation of `value`, one issue per failing property. */
export function schemaIssues(schema: TSchema, value: unknown): ContractIssue[] {
  if (Value.Check(schema, value)) return [];
  const errors = collapseUnions(collectErrors(schema, value));
  const issues: ContractIssue[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    // `additionalProperties: false` reports each extra key twice (as a false schema and as the
    // keyword); keep one line per key.
    if (error.keyword === 'boolean') continue;
    for (const issue of describe(error)) {
      const key = `${issue.path}\u0000${issue.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        issues.push(issue);
      }
    }
  }
  return issues;
}

/**
 * A failed union reports every branch's complaint and then `anyOf`; replace them with one line
 * listing what the union allows (literals and primitive types), e.g. `must be one of "a", "b"`.
 */
function collapseUnions(errors: readonly SchemaError[]): SchemaError[] {
  const unionPaths = errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath);
  if (unionPaths.length === 0) return [...errors];
  const inUnion = (path: string) => unionPaths.some((u) => path === u || path.startsWith(`${u}/`));
  const kept = errors.filter((e) => !inUnion(e.instancePath));
  for (const path of new Set(unionPaths)) {
    const branches = errors.filter((e) => e.instancePath === path);
    const allowed = [
      ...branches.filter((e) => e.keyword === 'const').map((e) => JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)),
      ...branches.filter((e) => e.keyword === 'type').map((e) => String((e.params as { type: unknown }).type)),
    ];
    const message = allowed.length > 0 ? `must be one of ${allowed.join(', ')}` : 'matches none of the allowed shapes';
    kept.push({ keyword: 'anyOf', instancePath: path, params: {}, message });
  }
  return kept;
}

interface SchemaError {
  readonly keyword: string;
  readonly instancePath: string;
  readonly params: unknown;
  readonly message: string;
}

/** Rewords TypeBox's errors so that each names its property and says what is allowed. */
function describe(error: SchemaError): ContractIssue[] {
  const path = error.instancePath;
  switch (error.keyword) {
    case 'required':
      return (error.params as { requiredProperties: string[] }).requiredProperties.map((p) => ({
        path: `${path}/${p}`,
        message: 'is required',
      }));
    case 'additionalProperties':
      return [
        {
          path,
          message: `has unknown properties ${(error.params as { additionalProperties: string[] }).additionalProperties.join(', ')}`,
        },
      ];
    case 'const':
      return [{ path, message: `must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}` }];
    default:
      return [{ path, message: error.message }];
  }
}

/** An object's own property, or undefined for anything that is not a plain object. */
export function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, key)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/** The version check first, so an old worker reading a newer message says so plainly. */
export function versionIssues(value: unknown, expected: number): ContractIssue[] {
  const v = field(value, 'v');
  if (v === expected) return [];
  return [{ path: '/v', message: `must be ${expected} (the version this build reads), got ${JSON.stringify(v)}` }];
}
