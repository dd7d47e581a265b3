import { SearchSpaceError, type SearchSpaceIssue } from '../errors.js';
import { valueProblem } from './grid.js';
import { isActive } from './is-active.js';
import type { Params, SearchSpace } from './types.js';

/**
 * Checks params against a space, e.g. params a client enqueues by hand: every active parameter is
 * present with a value of its distribution (in bounds, on its grid, one of its choices), no inactive
 * or unknown parameter is present. Throws one SearchSpaceError listing every problem.
 */
export function validateParams(space: SearchSpace, params: Params): void {
  const issues: SearchSpaceIssue[] = [];
  const known = new Set(space.params.map((p) => p.name));
  for (const name of Object.keys(params)) if (!known.has(name)) issues.push({ param: name, message: 'not a parameter of this search space' });

  // Walk in topological order over the active params only, so a present-but-inactive parent does not
  // activate its children.
  const active: Params = {};
  for (const spec of space.params) {
    const present = Object.hasOwn(params, spec.name);
    if (!isActive(spec, active)) {
      if (present) issues.push({ param: spec.name, message: 'present although inactive under its when condition' });
      continue;
    }
    if (!present) {
      issues.push({ param: spec.name, message: 'missing although active' });
      continue;
    }
    const problem = valueProblem(spec.distribution, params[spec.name]);
    if (problem !== null) issues.push({ param: spec.name, message: problem });
    active[spec.name] = params[spec.name];
  }
  if (issues.length > 0) throw new SearchSpaceError(issues);
}
