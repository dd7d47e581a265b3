import { isActive } from '../space/is-active.js';
import type { ParamSpec, ParamValue, Params, SearchSpace } from '../space/types.js';

/**
 * Walks the space in its topological order and asks `pick` for a value of each parameter that is
 * active given the values chosen so far. The result holds only active parameters.
 */
export function sampleActiveParams(space: SearchSpace, pick: (spec: ParamSpec, chosen: Params) => ParamValue): Params {
  const params: Params = {};
  for (const spec of space.params) if (isActive(spec, params)) params[spec.name] = pick(spec, params);
  return params;
}
