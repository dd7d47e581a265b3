const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether `id` can name a row. Hand-written SQL casts ids with `::uuid`, which fails the whole
 * statement on a malformed one, so routes that query directly check first (the stores do the same).
 */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}
