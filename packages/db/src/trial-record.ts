/** The trial row as the stores return it, the fields `apply` may set, and their checks. */
import type { Params, TrialState } from '@tunefleet/search';
import { Prisma } from './generated/client.js';
import { DbInputError } from './errors.js';
import { type JsonValue, toJsonInput } from './json-value.js';

export interface Trial {
  readonly id: string;
  readonly studyId: string;
  /** 0-based, unique per study, allocated without gaps in creation order. */
  readonly number: number;
  readonly params: Params;
  readonly state: TrialState;
  /** Highest `TrialRunJob.attempt` that reported `started` (0 = never started). */
  readonly attempts: number;
  readonly workerId: string | null;
  readonly failureType: string | null;
  readonly failureMessage: string | null;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly lastEventAt: Date | null;
  readonly vloss: number | null;
  readonly accuracy: number | null;
  readonly macroF1: number | null;
  readonly perClassAccuracy: number[] | null;
  readonly confusionMatrix: number[][] | null;
  readonly parameterCount: number | null;
  readonly efficiency: number | null;
  /** The study's metric: final for COMPLETE, the last reported value for PRUNED. */
  readonly objectiveValue: number | null;
  readonly retryOfId: string | null;
  readonly resumeFromEpoch: number | null;
  /** The successive-halving rung whose judgement pruned the trial (`FrozenTrial.prunedAtRung`). */
  readonly prunedAtRung: number | null;
}

/**
 * Columns an event may set together with its state change (`TrialStore.apply`). Timestamps are
 * the store's: `lastEventAt` on every change, `startedAt` on `started`, `finishedAt` on reaching a
 * finished state.
 */
export interface TrialUpdate {
  readonly workerId?: string | null;
  readonly attempts?: number;
  readonly failureType?: string | null;
  readonly failureMessage?: string | null;
  readonly vloss?: number | null;
  readonly accuracy?: number | null;
  readonly macroF1?: number | null;
  readonly perClassAccuracy?: readonly number[] | null;
  readonly confusionMatrix?: readonly (readonly number[])[] | null;
  readonly parameterCount?: number | null;
  readonly efficiency?: number | null;
  readonly objectiveValue?: number | null;
  readonly resumeFromEpoch?: number | null;
  readonly prunedAtRung?: number | null;
}

export const trialSelect = {
  id: true,
  studyId: true,
  number: true,
  params: true,
  state: true,
  attempts: true,
  workerId: true,
  failureType: true,
  failureMessage: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
  lastEventAt: true,
  vloss: true,
  accuracy: true,
  macroF1: true,
  perClassAccuracy: true,
  confusionMatrix: true,
  parameterCount: true,
  efficiency: true,
  objectiveValue: true,
  retryOfId: true,
  resumeFromEpoch: true,
  prunedAtRung: true,
} as const satisfies Prisma.TrialSelect;

type TrialRow = Prisma.TrialGetPayload<{ select: typeof trialSelect }>;

export function toTrial(row: TrialRow): Trial {
  return {
    ...row,
    params: row.params as Params,
    perClassAccuracy: row.perClassAccuracy as number[] | null,
    confusionMatrix: row.confusionMatrix as number[][] | null,
  };
}

export const MAX_INT4 = 2 ** 31 - 1;

/** Throws DbInputError unless `value` fits a Postgres integer column and is at least `min`. */
export function checkInt(field: string, value: number, min = 0): void {
  if (!Number.isInteger(value) || value < min || value > MAX_INT4) {
    throw new DbInputError(field, `must be an integer in [${min}, ${MAX_INT4}], got ${value}`);
  }
}

export function checkNumber(field: string, value: number): void {
  if (typeof value !== 'number') throw new DbInputError(field, `must be a number, got ${typeof value}`);
}

function nullableInt(field: string, value: number | null | undefined): void {
  if (value !== null && value !== undefined) checkInt(field, value);
}

function nullableNumber(field: string, value: number | null | undefined): void {
  if (value !== null && value !== undefined) checkNumber(field, value);
}

function nullableString(field: string, value: string | null | undefined): void {
  if (value !== null && value !== undefined && typeof value !== 'string') {
    throw new DbInputError(field, `must be a string, got ${typeof value}`);
  }
}

function numberArray(field: string, value: readonly unknown[]): void {
  value.forEach((v, i) => {
    if (Array.isArray(v)) numberArray(`${field}[${i}]`, v);
    else if (typeof v !== 'number' || !Number.isFinite(v)) throw new DbInputError(`${field}[${i}]`, 'must be a finite number');
  });
}

const UPDATE_FIELDS: ReadonlySet<string> = new Set([
  'workerId', 'attempts', 'failureType', 'failureMessage', 'vloss', 'accuracy', 'macroF1', 'perClassAccuracy',
  'confusionMatrix', 'parameterCount', 'efficiency', 'objectiveValue', 'resumeFromEpoch', 'prunedAtRung',
]);

/** Validates a TrialUpdate (field by field, unknown keys rejected) and maps it to Prisma data. */
export function toUpdateData(update: TrialUpdate): Prisma.TrialUpdateManyMutationInput {
  for (const key of Object.keys(update)) {
    if (!UPDATE_FIELDS.has(key)) throw new DbInputError(key, 'is not a field an event may set');
  }
  nullableString('workerId', update.workerId);
  nullableString('failureType', update.failureType);
  nullableString('failureMessage', update.failureMessage);
  if (update.attempts !== undefined) checkInt('attempts', update.attempts);
  nullableInt('parameterCount', update.parameterCount);
  nullableInt('resumeFromEpoch', update.resumeFromEpoch);
  nullableInt('prunedAtRung', update.prunedAtRung);
  for (const field of ['vloss', 'accuracy', 'macroF1', 'efficiency', 'objectiveValue'] as const) {
    nullableNumber(field, update[field]);
  }
  const { perClassAccuracy, confusionMatrix, ...scalars } = update;
  const data: Prisma.TrialUpdateManyMutationInput = { ...scalars };
  if (perClassAccuracy !== undefined) data.perClassAccuracy = jsonOrNull('perClassAccuracy', perClassAccuracy);
  if (confusionMatrix !== undefined) data.confusionMatrix = jsonOrNull('confusionMatrix', confusionMatrix);
  return data;
}

function jsonOrNull(
  field: string,
  value: readonly unknown[] | null,
): Prisma.InputJsonValue | Prisma.NullableJsonNullValueInput {
  if (value === null) return Prisma.DbNull;
  if (!Array.isArray(value)) throw new DbInputError(field, 'must be an array');
  numberArray(field, value);
  return toJsonInput(value as JsonValue);
}
