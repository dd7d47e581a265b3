import type { Prisma } from './generated/client.js';

/** What a JSONB column holds. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Prisma types JSON input without a top-level null; the stores' JSON inputs are never null. */
export function toJsonInput(value: JsonValue): Prisma.InputJsonValue {
  return value as Prisma.InputJsonValue;
}
