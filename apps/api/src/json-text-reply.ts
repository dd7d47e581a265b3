import type { FastifyReply } from 'fastify';

/**
 * Sends a body that is already JSON in the route's response shape (built by Postgres, or kept from
 * an earlier serialisation). Fastify sends a string under a JSON content type as it is, so the
 * route's response schema still documents the shape but does not serialise it again.
 */
export function sendJsonText(reply: FastifyReply, json: string): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(json);
}
