/**
 * Query and path numbers must be finite. Ajv's type coercion turns `1e400`, `Infinity` and
 * `-1e400` into ±Infinity and lets them past `minimum` and `maximum`, after which Postgres refuses
 * them as integers (a 500). This preHandler hook answers them as the validation errors they are,
 * naming the field (`querystring.limit`), for every route at once.
 */
import type { FastifyRequest } from 'fastify';

interface NonFiniteIssue {
  readonly instancePath: string;
  readonly keyword: 'type';
  readonly message: string;
}

function nonFinite(part: unknown): NonFiniteIssue[] {
  if (part === null || typeof part !== 'object') return [];
  const issues: NonFiniteIssue[] = [];
  for (const [key, value] of Object.entries(part)) {
    const values: [string, unknown][] = Array.isArray(value) ? value.map((v, i) => [`/${key}/${i}`, v]) : [[`/${key}`, value]];
    for (const [instancePath, v] of values) {
      if (typeof v === 'number' && !Number.isFinite(v)) issues.push({ instancePath, keyword: 'type', message: 'must be a finite number' });
    }
  }
  return issues;
}

export async function rejectNonFiniteNumbers(request: FastifyRequest): Promise<void> {
  for (const [context, part] of [
    ['querystring', request.query],
    ['params', request.params],
  ] as const) {
    const validation = nonFinite(part);
    if (validation.length > 0) {
      // Shaped like Fastify's own validation errors, so the error handler names the fields.
      throw Object.assign(new Error(`${context} holds a number that is not finite`), { statusCode: 400, validation, validationContext: context });
    }
  }
}
