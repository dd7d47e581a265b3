/**
 * Shapes shared by the route schemas. Route schemas are the single source for validation,
 * response serialisation (anything undeclared is dropped) and the OpenAPI document.
 */
import { type TSchema, Type } from 'typebox';

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const Timestamp = Type.String({ format: 'date-time' });

/** Ids are UUIDs; anything else names no row and is answered 404, never looked up on a filesystem. */
export const Id = Type.String({ minLength: 1, maxLength: 100, description: 'a UUID' });

export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });

export const IssueSchema = Type.Object({
  field: Type.String({ description: 'JSON path of the offending field, e.g. space.learning_rate.low' }),
  message: Type.String(),
});

export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String(),
    code: Type.String({ description: 'stable machine-readable code; branch on this, not on message' }),
    message: Type.String(),
    issues: Type.Optional(Type.Array(IssueSchema)),
  },
  { description: 'error' },
);

/** Error responses every route can give, plus the ones listed. */
export function errorResponses<const S extends readonly number[]>(...statuses: S): { [K in S[number]]: typeof ErrorResponse } {
  return Object.fromEntries([...statuses, 500].map((s) => [s, ErrorResponse])) as { [K in S[number]]: typeof ErrorResponse };
}

export const PARAM_VALUE = Type.Union([Type.Number(), Type.String(), Type.Boolean()]);
export const ParamsSchema = Type.Record(Type.String(), PARAM_VALUE, { description: 'parameter values by name' });

/** A JSON object whose shape is documented elsewhere (search-space JSON, sampler options). */
export const JsonObject = Type.Record(Type.String(), Type.Unknown());
