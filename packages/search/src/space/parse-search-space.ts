import { SearchSpaceError, type SearchSpaceIssue } from '../errors.js';
import { GRID_TOLERANCE } from './grid.js';
import type { Condition, Distribution, ParamSpec, ParamValue, SearchSpace } from './types.js';

const NUMERIC_KEYS = new Set(['type', 'low', 'high', 'log', 'step', 'when']);
const CATEGORICAL_KEYS = new Set(['type', 'choices', 'when']);

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function show(x: unknown): string {
  // Objects as JSON: String() calls their toString, which a submitted object may replace with a non-function.
  return typeof x === 'string' || (typeof x === 'object' && x !== null) ? JSON.stringify(x) : String(x);
}

function isChoiceValue(x: unknown): x is ParamValue {
  return typeof x === 'string' || typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x));
}

interface Draft {
  readonly name: string;
  readonly distribution: Distribution | null;
  readonly rawWhen: unknown;
}

function parseNumeric(
  type: 'float' | 'int',
  def: Record<string, unknown>,
  report: (message: string) => void,
): Distribution | null {
  let ok = true;
  const bound = (key: 'low' | 'high'): number => {
    const v = def[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      report(v === undefined ? `${key} is required` : `${key} must be a finite number, got ${show(v)}`);
      ok = false;
      return NaN;
    }
    if (type === 'int' && !Number.isInteger(v)) {
      report(`${key} must be an integer for an int parameter, got ${v}`);
      ok = false;
    }
    return v;
  };
  const low = bound('low');
  const high = bound('high');
  if (Number.isFinite(low) && Number.isFinite(high) && low > high) {
    report(`low (${low}) must not exceed high (${high})`);
    ok = false;
  }

  let log = false;
  if (def.log !== undefined) {
    if (typeof def.log !== 'boolean') {
      report(`log must be a boolean, got ${show(def.log)}`);
      ok = false;
    } else log = def.log;
  }
  if (log && Number.isFinite(low) && low <= 0) {
    report(`log scale needs low > 0, got ${low}`);
    ok = false;
  }

  let step: number | null = null;
  if (def.step !== undefined) {
    const s = def.step;
    if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0) {
      report(`step must be a positive finite number, got ${show(s)}`);
      ok = false;
    } else if (type === 'int' && !Number.isInteger(s)) {
      report(`step must be an integer for an int parameter, got ${s}`);
      ok = false;
    } else {
      step = s;
      if (log) {
        report('log and step cannot be combined');
        ok = false;
      } else if (Number.isFinite(low) && Number.isFinite(high) && low <= high) {
        const r = (high - low) / step;
        if (Math.abs(r - Math.round(r)) > GRID_TOLERANCE * Math.max(1, r)) {
          report(`step ${step} does not divide the range [${low}, ${high}] into whole steps`);
          ok = false;
        }
      }
    }
  }
  if (!ok) return null;
  return type === 'float' ? { type, low, high, log, step } : { type, low, high, log, step: step ?? 1 };
}

function parseCategorical(def: Record<string, unknown>, report: (message: string) => void): Distribution | null {
  const choices = def.choices;
  if (!Array.isArray(choices)) {
    report(choices === undefined ? 'choices is required' : 'choices must be an array');
    return null;
  }
  if (choices.length === 0) {
    report('choices must not be empty');
    return null;
  }
  let ok = true;
  const seen: ParamValue[] = [];
  choices.forEach((c: unknown, i) => {
    if (!isChoiceValue(c)) {
      report(`choice at index ${i} must be a string, a finite number or a boolean, got ${c === null ? 'null' : typeof c}`);
      ok = false;
    } else if (seen.some((s) => s === c)) {
      report(`duplicate choice ${show(c)}`);
      ok = false;
    } else seen.push(c);
  });
  return ok ? { type: 'categorical', choices: Object.freeze([...seen]) } : null;
}

function parseDefinition(name: string, def: unknown, issues: SearchSpaceIssue[]): Draft {
  const report = (message: string): void => {
    issues.push({ param: name, message });
  };
  if (!isPlainObject(def)) {
    report('definition must be an object with a type');
    return { name, distribution: null, rawWhen: undefined };
  }
  const type = def.type;
  if (type !== 'float' && type !== 'int' && type !== 'categorical') {
    report(type === undefined ? 'type is required (float, int or categorical)' : `unknown type ${show(type)}; expected float, int or categorical`);
    return { name, distribution: null, rawWhen: def.when };
  }
  const allowed = type === 'categorical' ? CATEGORICAL_KEYS : NUMERIC_KEYS;
  for (const key of Object.keys(def)) if (!allowed.has(key)) report(`unknown key ${JSON.stringify(key)} for a ${type} parameter`);
  const distribution = type === 'categorical' ? parseCategorical(def, report) : parseNumeric(type, def, report);
  return { name, distribution, rawWhen: def.when };
}

function parseCondition(draft: Draft, byName: Map<string, Draft>, issues: SearchSpaceIssue[]): Condition | null {
  const { name, rawWhen } = draft;
  if (rawWhen === undefined) return null;
  const report = (message: string): void => {
    issues.push({ param: name, message });
  };
  if (!isPlainObject(rawWhen) || Object.keys(rawWhen).length === 0) {
    report('when must be an object mapping at least one categorical parameter to a list of its values');
    return null;
  }
  const condition: Record<string, readonly ParamValue[]> = {};
  for (const [parent, values] of Object.entries(rawWhen)) {
    const target = byName.get(parent);
    if (parent === name) {
      report('when refers to the parameter itself');
      continue;
    }
    if (target === undefined) {
      report(`when names ${JSON.stringify(parent)}, which is not a parameter of this search space`);
      continue;
    }
    if (!Array.isArray(values) || values.length === 0) {
      report(`when.${parent} must be a non-empty list of values`);
      continue;
    }
    const dist = target.distribution;
    if (dist === null) continue; // The parent's own definition is invalid and already reported.
    if (dist.type !== 'categorical') {
      report(`when names ${JSON.stringify(parent)}, which is ${dist.type}, not categorical`);
      continue;
    }
    for (const v of values) {
      if (!dist.choices.some((c) => c === v)) report(`when.${parent} lists ${show(v)}, which is not one of its choices`);
    }
    condition[parent] = Object.freeze([...(values as ParamValue[])]);
  }
  return Object.freeze(condition);
}

/** Names of the params on a dependency cycle (parent → child edges from `when`). */
function paramsOnCycles(names: readonly string[], parents: Map<string, readonly string[]>): Set<string> {
  const onCycle = new Set<string>();
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'visiting');
    stack.push(n);
    for (const p of parents.get(n) ?? []) {
      const s = state.get(p);
      if (s === 'visiting') for (let i = stack.indexOf(p); i < stack.length; i++) onCycle.add(stack[i]);
      else if (s === undefined) visit(p);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of names) if (!state.has(n)) visit(n);
  return onCycle;
}

/**
 * Validates search-space JSON (the body the REST API accepts) and returns the SearchSpace with its
 * params in topological order: every parent before its children, otherwise in input order.
 *
 * Throws one SearchSpaceError listing every problem found, each naming its parameter, so a client
 * can fix its request in one round. Rules follow Optuna's distributions.py (log needs low > 0, log
 * and step are exclusive, int bounds are integers) except that a step that does not divide the range
 * is rejected rather than silently shortened (Optuna's `_adjust_discrete_uniform_high`).
 */
export function parseSearchSpace(json: unknown): SearchSpace {
  if (!isPlainObject(json)) {
    throw new SearchSpaceError([{ param: '', message: 'search space must be an object mapping parameter names to definitions' }]);
  }
  const issues: SearchSpaceIssue[] = [];
  const names = Object.keys(json);
  if (names.length === 0) issues.push({ param: '', message: 'search space must define at least one parameter' });
  if (names.includes('')) issues.push({ param: '', message: 'parameter names must not be empty' });

  const drafts = names.map((name) => parseDefinition(name, json[name], issues));
  const byName = new Map(drafts.map((d) => [d.name, d]));
  const conditions = new Map(drafts.map((d) => [d.name, parseCondition(d, byName, issues)]));

  const parents = new Map(names.map((n) => [n, Object.keys(conditions.get(n) ?? {})]));
  for (const n of paramsOnCycles(names, parents)) {
    issues.push({ param: n, message: 'when conditions form a cycle through this parameter' });
  }
  if (issues.length > 0) throw new SearchSpaceError(issues);

  // Kahn's algorithm, always taking the earliest-declared ready parameter: stable for unconditional spaces.
  const ordered: ParamSpec[] = [];
  const emitted = new Set<string>();
  while (ordered.length < drafts.length) {
    const next = drafts.find((d) => !emitted.has(d.name) && parents.get(d.name)!.every((p) => emitted.has(p)))!;
    emitted.add(next.name);
    ordered.push(Object.freeze({ name: next.name, distribution: Object.freeze(next.distribution!), when: conditions.get(next.name) ?? null }));
  }
  return Object.freeze({ params: Object.freeze(ordered) });
}
