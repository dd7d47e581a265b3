/**
 * The api's JSON body parser: Fastify's, plus the checks that keep a body from reaching a store it
 * would break or a merge it would poison. Every issue names its field, like schema errors do.
 *
 * - Nesting deeper than MAX_JSON_DEPTH: no study needs it, and recursive code further on (Prisma's
 *   JSON serialiser, Postgres' jsonb parser) would overflow its stack on 10,000 levels.
 * - `__proto__` keys, and `constructor.prototype`: prototype-pollution payloads (what
 *   secure-json-parse refuses, reported here with the field that carries them).
 * - NUL characters and lone surrogates in any string or key: Postgres stores neither in text or
 *   jsonb, so they would fail the INSERT after validation passed.
 * - Numbers beyond double range (1e400), which JSON.parse reads as Infinity.
 */
import type { FastifyRequest } from 'fastify';
import { JsonBodyError, type Issue, joinPath } from './errors.js';

/** Levels of objects and arrays a body may nest; a study definition uses four or five. */
export const MAX_JSON_DEPTH = 64;
/** Issues reported per body; a hostile body could otherwise produce one per value. */
const MAX_ISSUES = 20;

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What is wrong with a string a body carries, or null. */
export function stringProblem(value: string): string | null {
  if (value.includes('\u0000')) return 'must not contain NUL characters (U+0000)';
  if (LONE_SURROGATE.test(value)) return 'must be well-formed Unicode (it contains a lone surrogate)';
  return null;
}

/** A key as it appears in a field path: escaped when it carries characters a path cannot show. */
function pathKey(key: string): string {
  return stringProblem(key) === null ? key : JSON.stringify(key).slice(1, -1);
}

interface Frame {
  readonly value: unknown;
  readonly field: string;
  readonly depth: number;
}

/**
 * Every problem of a parsed body, in document order (at most MAX_ISSUES). Iterative, so the depth
 * of the input never reaches the call stack.
 */
export function jsonBodyIssues(body: unknown): Issue[] {
  const issues: Issue[] = [];
  const stack: Frame[] = [{ value: body, field: '', depth: 0 }];
  while (stack.length > 0 && issues.length < MAX_ISSUES) {
    const { value, field, depth } = stack.pop()!;
    const at = field === '' ? 'body' : field;
    if (typeof value === 'string') {
      const problem = stringProblem(value);
      if (problem !== null) issues.push({ field: at, message: problem });
      continue;
    }
    if (typeof value === 'number' && !Number.isFinite(value)) {
      // JSON has no infinities, but JSON.parse reads 1e400 as one.
      issues.push({ field: at, message: 'must be a finite number' });
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) {
      issues.push({ field: at, message: `nests deeper than ${MAX_JSON_DEPTH} levels of objects and arrays` });
      continue;
    }
    const children: Frame[] = [];
    if (Array.isArray(value)) {
      value.forEach((item, i) => children.push({ value: item, field: `${field === '' ? 'body' : field}[${i}]`, depth: depth + 1 }));
    } else {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const child = joinPath(field, pathKey(key));
        const keyProblem = stringProblem(key);
        if (key === '__proto__') issues.push({ field: child, message: 'is a reserved property name (prototype pollution)' });
        else if (key === 'constructor' && isPrototypeCarrier(record[key])) {
          issues.push({ field: joinPath(child, 'prototype'), message: 'is a reserved property name (prototype pollution)' });
        } else if (keyProblem !== null) issues.push({ field: child, message: `name ${keyProblem}` });
        else children.push({ value: record[key], field: child, depth: depth + 1 });
      }
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  return issues.slice(0, MAX_ISSUES);
}

function isPrototypeCarrier(value: unknown): boolean {
  return value !== null && typeof value === 'object' && Object.hasOwn(value, 'prototype');
}

type ParserDone = (err: Error | null, body?: unknown) => void;
type BodyParser = (request: FastifyRequest, body: string, done: ParserDone) => void;

/**
 * Wraps Fastify's default JSON parser (built with prototype checks off, since they are made here
 * with field names) so that a parsed body with any issue is answered 400 before validation.
 */
export function checkedJsonParser(defaultParser: BodyParser): (request: FastifyRequest, body: string, done: ParserDone) => void {
  return (request, body, done) => {
    defaultParser(request, body, (err, parsed) => {
      if (err) return done(err);
      const issues = jsonBodyIssues(parsed);
      if (issues.length > 0) return done(new JsonBodyError(issues));
      done(null, parsed);
    });
  };
}
