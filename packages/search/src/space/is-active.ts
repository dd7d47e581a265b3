import type { ParamSpec, ParamValue } from './types.js';

/**
 * Whether a parameter is active given the params chosen so far: every parent named in `when` must be
 * present and take one of the listed values. An inactive parent is absent from `params`, so it makes
 * its children inactive too (Optuna's define-by-run branches, declared up front). Values compare
 * with `===`, so the choice `1` and the choice `true` are different values.
 */
export function isActive(spec: ParamSpec, params: Readonly<Record<string, ParamValue>>): boolean {
  if (spec.when === null) return true;
  for (const parent of Object.keys(spec.when)) {
    if (!Object.hasOwn(params, parent)) return false;
    const value = params[parent];
    if (!spec.when[parent].some((allowed) => allowed === value)) return false;
  }
  return true;
}
