/**
 * `tunefleet submit study.yaml [--dry-run]`: reads a YAML or JSON study, validates it with the
 * api's own rule (`validateStudySubmission`), every problem shown at its line and column, then
 * creates the study.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type NormalisedStudy, validateStudySubmission } from '@tunefleet/api/study-submission';
import type { Study } from '../api-types.js';
import type { Command } from '../command.js';
import { ApiError, EXIT_OK, InvalidFileError } from '../errors.js';
import { type ParsedStudyFile, StudyFileSyntaxError, parseStudyFile } from '../study-file.js';
import { describeStudySpec } from '../study-summary.js';

/** `study.yaml:12:14: space.learning_rate.low: must be number`, in file order. */
export function locatedIssues(
  fileName: string,
  file: ParsedStudyFile,
  issues: readonly { readonly path: string; readonly message: string }[],
): string[] {
  return issues
    .map((issue) => ({ ...issue, at: file.locate(issue.path) }))
    .sort((a, b) => a.at.line - b.at.line || a.at.col - b.at.col)
    .map(({ path, message, at }) => `${fileName}:${at.line}:${at.col}: ${path}: ${message}`);
}

async function readStudyFile(fileName: string, cwd: string): Promise<ParsedStudyFile> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, fileName), 'utf8');
  } catch (err) {
    throw new InvalidFileError(`cannot read ${fileName}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return parseStudyFile(text);
  } catch (err) {
    if (!(err instanceof StudyFileSyntaxError)) throw err;
    throw new InvalidFileError(
      `${fileName} is not valid YAML or JSON`,
      err.problems.map((p) => `${fileName}:${p.line}:${p.col}: ${p.message}`),
    );
  }
}

export const submit: Command = {
  spec: {
    name: 'submit',
    summary: 'validate a study file (YAML or JSON) and create the study',
    usage: 'tunefleet submit <file> [--dry-run]',
    positionals: ['file'],
    options: { 'dry-run': { type: 'boolean' } },
    optionHelp: ['--dry-run   validate only; nothing is sent to the api'],
  },
  async run({ io, args, client, print }) {
    const fileName = args.positionals[0];
    const file = await readStudyFile(fileName, io.cwd);
    // The api coerces the body it parses; validate a copy and send the file's own values.
    const result = validateStudySubmission(structuredClone(file.body));
    if (!result.ok) {
      const count = `${result.issues.length} problem${result.issues.length === 1 ? '' : 's'}`;
      throw new InvalidFileError(`${fileName} is not a valid study (${count})`, locatedIssues(fileName, file, result.issues));
    }
    const seed = (file.body as { seed?: number }).seed ?? null;
    if (args.values['dry-run'] === true) {
      print(`${fileName} is a valid study: ${result.body.name}`);
      print(`  ${describeStudySpec(result.study.spec, seed)}`);
      return EXIT_OK;
    }
    let study: Study;
    try {
      study = await client().post<Study>('/studies', file.body);
    } catch (err) {
      // A server of another version may reject what this client accepted: still point into the file.
      if (err instanceof ApiError && err.status === 400 && err.issues.length > 0) {
        throw new InvalidFileError(
          `the api rejected ${fileName}: ${err.code}`,
          locatedIssues(fileName, file, err.issues.map((i) => ({ path: i.field, message: i.message }))),
        );
      }
      throw err;
    }
    print(study.id);
    print(`created study "${study.name}": ${describeStudySpec(study.spec as NormalisedStudy['spec'], study.seed)}`);
    return EXIT_OK;
  },
};
