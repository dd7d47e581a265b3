/** A value a parameter can take. Categorical choices may be strings, numbers or booleans. */
export type ParamValue = number | string | boolean;
export type Params = Record<string, ParamValue>;

/**
 * `when` makes a parameter conditional: it is active only when each named categorical parent
 * takes one of the listed values (Optuna's define-by-run branches, declared up front).
 */
export type Condition = Readonly<Record<string, readonly ParamValue[]>>;

export interface FloatDistribution {
  readonly type: 'float';
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  /** Grid spacing; null means continuous. `log` and `step` are exclusive. */
  readonly step: number | null;
}

export interface IntDistribution {
  readonly type: 'int';
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  /** Always set: 1 unless given. */
  readonly step: number;
}

export interface CategoricalDistribution {
  readonly type: 'categorical';
  readonly choices: readonly ParamValue[];
}

export type Distribution = FloatDistribution | IntDistribution | CategoricalDistribution;

export interface ParamSpec {
  readonly name: string;
  readonly distribution: Distribution;
  readonly when: Condition | null;
}

/** A validated search space: parameters in a topological order (parents before children). */
export interface SearchSpace {
  readonly params: readonly ParamSpec[];
}
