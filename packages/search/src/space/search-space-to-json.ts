import type { SearchSpace } from './types.js';

/**
 * The JSON form of a parsed search space, accepted back by parseSearchSpace (a round trip gives an
 * equal space). Defaults are written out except a float's absent step.
 */
export function searchSpaceToJSON(space: SearchSpace): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const { name, distribution: d, when } of space.params) {
    const def: Record<string, unknown> =
      d.type === 'categorical'
        ? { type: d.type, choices: [...d.choices] }
        : { type: d.type, low: d.low, high: d.high, ...(d.log ? { log: true } : d.step === null ? {} : { step: d.step }) };
    if (when !== null) def.when = Object.fromEntries(Object.entries(when).map(([k, v]) => [k, [...v]]));
    out[name] = def;
  }
  return out;
}
