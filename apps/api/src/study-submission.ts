/**
 * The whole rule for a study submission, as one pure function: the request schema of POST /studies
 * (`CreateStudyBody`, checked with Ajv under the app's options) and then the semantic checks of
 * `normaliseStudySpec`. The api's POST /studies and the command-line client's local check
 * (`tunefleet submit`) both call it, so a file that passes locally is accepted by the server and
 * every issue names the same field. Exported as `@tunefleet/api/study-submission`; it loads no
 * Fastify, Postgres or Redis code.
 */
import { FUNCTION_OBJECTIVE_NAMES } from '@tunefleet/contracts';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { StudySpecError, validationIssues } from './errors.js';
import { CreateStudyBody } from './schemas/studies.js';
import { type NormalisedStudy, type StudySpecContext, normaliseStudySpec } from './study-spec.js';

export type { CreateStudyBody } from './schemas/studies.js';
export type { NormalisedStudy } from './study-spec.js';

/** One problem, `path` a JSON path into the submission (`space.learning_rate.low`, `body` for the whole). */
export interface SubmissionIssue {
  readonly path: string;
  readonly message: string;
}

export type SubmissionResult =
  | { readonly ok: true; readonly body: CreateStudyBody; readonly study: NormalisedStudy }
  | {
      readonly ok: false;
      /** `VALIDATION_FAILED`: the schema; `STUDY_SPEC_INVALID`: a rule beyond it (the api's error codes). */
      readonly code: 'VALIDATION_FAILED' | 'STUDY_SPEC_INVALID';
      readonly issues: readonly SubmissionIssue[];
    };

// The same options as the app's Ajv (buildApp in app.ts): every issue at once, unknown properties
// are errors, scalars coerced as Fastify does for a request body.
const ajv = new Ajv({ allErrors: true, removeAdditional: false, coerceTypes: 'array', useDefaults: true });
addFormats.default(ajv);
const checkSchema = ajv.compile<CreateStudyBody>(CreateStudyBody);

/**
 * Validates a study submission in full. Pure apart from coercing `body` in place as the api's
 * request parsing does. `context.defaultSeed` is the seed stored when the submission has none
 * (0 when only validating); `functionNames` defaults to the workers' function objectives.
 */
export function validateStudySubmission(body: unknown, context: Partial<StudySpecContext> = {}): SubmissionResult {
  if (!checkSchema(body)) {
    const issues = validationIssues(checkSchema.errors ?? [], 'body').map((i) => ({ path: i.field, message: i.message }));
    return { ok: false, code: 'VALIDATION_FAILED', issues };
  }
  try {
    const study = normaliseStudySpec(body, {
      defaultSeed: context.defaultSeed ?? 0,
      functionNames: context.functionNames ?? FUNCTION_OBJECTIVE_NAMES,
    });
    return { ok: true, body, study };
  } catch (err) {
    if (!(err instanceof StudySpecError)) throw err;
    return { ok: false, code: 'STUDY_SPEC_INVALID', issues: err.issues.map((i) => ({ path: i.field, message: i.message })) };
  }
}
