import { Type } from 'typebox';

/**
 * Ids that travel in messages, job ids and Redis keys (trial, study and worker ids). No ':' (the
 * Redis key separator, and BullMQ forbids it in job ids) and no whitespace; database ids are
 * UUIDs, worker ids are usually `<host>-<pid>`.
 */
export const CONTRACT_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$';
const CONTRACT_ID = new RegExp(CONTRACT_ID_PATTERN);

export const ContractId = Type.String({ pattern: CONTRACT_ID_PATTERN });

export function isContractId(id: unknown): id is string {
  return typeof id === 'string' && CONTRACT_ID.test(id);
}

/** Throws a RangeError naming the field unless `id` is a ContractId. */
export function assertContractId(field: string, id: unknown): asserts id is string {
  if (!isContractId(id)) {
    throw new RangeError(`${field} must match ${CONTRACT_ID_PATTERN} (no ':' or spaces), got ${JSON.stringify(id)}`);
  }
}
