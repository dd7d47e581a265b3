const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Ids are Postgres `uuid`s; a malformed id cannot name a row, so stores answer NotFoundError
 * before asking the database (which would fail the whole query with a type error).
 */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}
