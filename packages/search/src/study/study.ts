import { NopPruner } from '../pruners/nop-pruner.js';
import { prunerFromJSON } from '../pruners/from-json.js';
import type { PruneDecision, Pruner, PrunerJSON } from '../pruners/pruner.js';
import { RandomSampler } from '../samplers/random.js';
import { samplerFromJSON } from '../samplers/from-json.js';
import type { Sampler } from '../samplers/sampler.js';
import { parseSearchSpace } from '../space/parse-search-space.js';
import { searchSpaceToJSON } from '../space/search-space-to-json.js';
import type { Params, SearchSpace } from '../space/types.js';
import { validateParams } from '../space/validate-params.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';
import { lastStep, lastValue } from '../trial/intermediate.js';
import { TRIAL_STATES, transition, type TrialEvent, type TrialState } from '../trial/lifecycle.js';
import type { Direction } from './direction.js';
import { bestTrial } from './ranking.js';

export interface StudyOptions {
  /** A parsed SearchSpace or its JSON form (parsed and validated here). */
  readonly space: SearchSpace | unknown;
  readonly direction: Direction;
  /** Default: RandomSampler seeded with `seed`. */
  readonly sampler?: Sampler;
  /** Default: NopPruner. */
  readonly pruner?: Pruner;
  /** Seed of the study's own random streams (Hyperband brackets). Default 0. */
  readonly seed?: number;
}

/** How a trial ends: a value (COMPLETE, or FAILED when NaN), or an explicit state. */
export type TellResult = number | { readonly state: 'pruned' } | { readonly state: 'failed' };

/** The plain-data form of a study; NaN values are written as null (JSON has no NaN). */
export interface StudyJSON {
  readonly version: 1;
  readonly direction: Direction;
  readonly seed: number;
  readonly space: Record<string, Record<string, unknown>>;
  readonly sampler: { type: string } & Record<string, unknown>;
  readonly pruner: PrunerJSON;
  readonly trials: readonly TrialJSON[];
  /** The pruner's last answer per trial: [trial number, step judged, prune, rung]. */
  readonly judged: readonly (readonly [number, number, boolean, number | null])[];
}

export interface TrialJSON {
  readonly number: number;
  readonly state: TrialState;
  readonly params: Params;
  readonly value: number | null;
  readonly intermediate: Record<string, number | null>;
  readonly prunedAtRung: number | null;
}

interface MutableTrial {
  number: number;
  state: TrialState;
  params: Params;
  value: number | null;
  intermediate: Record<number, number>;
  prunedAtRung: number | null;
}

function snapshot(t: MutableTrial): FrozenTrial {
  return {
    number: t.number,
    state: t.state,
    params: { ...t.params },
    value: t.value,
    intermediate: { ...t.intermediate },
    prunedAtRung: t.prunedAtRung,
  };
}

function checkDirection(direction: unknown): Direction {
  if (direction === 'minimize' || direction === 'maximize') return direction;
  throw new TypeError(`direction must be 'minimize' or 'maximize', got ${JSON.stringify(direction)}`);
}

function checkSeed(seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`seed must be a non-negative integer, got ${JSON.stringify(seed)}`);
  }
  return seed;
}

function isSearchSpace(space: unknown): space is SearchSpace {
  const params = (space as { params?: unknown } | null)?.params;
  return (
    Array.isArray(params) &&
    params.every((p: unknown) => typeof p === 'object' && p !== null && 'name' in p && 'distribution' in p)
  );
}

/**
 * An ask-and-tell study held in memory (Optuna's `Study` with `ask`/`tell`), for tests,
 * benchmarks and single-process use; the scheduler runs the same rules over the database.
 *
 * Every state change goes through the lifecycle table. Trials are plain data (`trials`,
 * `toJSON`), and the sampler and pruner are pure functions of them, so `Study.fromJSON` rebuilds
 * a study that goes on with identical decisions.
 */
export class Study {
  readonly space: SearchSpace;
  readonly direction: Direction;
  readonly sampler: Sampler;
  readonly pruner: Pruner;
  readonly seed: number;
  readonly #trials: MutableTrial[] = [];
  /** The pruner's answer for each trial's latest judged step, so that asking twice is stable. */
  readonly #judged = new Map<number, { step: number; decision: PruneDecision }>();

  constructor(options: StudyOptions) {
    const raw = isSearchSpace(options.space) ? searchSpaceToJSON(options.space) : options.space;
    // Parsing even a parsed space re-validates it and fixes its parameter order.
    this.space = parseSearchSpace(raw);
    this.direction = checkDirection(options.direction);
    this.seed = checkSeed(options.seed ?? 0);
    this.sampler = options.sampler ?? new RandomSampler({ seed: this.seed });
    this.pruner = options.pruner ?? new NopPruner();
  }

  /** Every trial, as plain data, in number order. */
  get trials(): FrozenTrial[] {
    return this.#trials.map(snapshot);
  }

  /** The best COMPLETE trial (see `bestTrial`), or null. */
  get bestTrial(): FrozenTrial | null {
    return bestTrial(this.trials, this.direction);
  }

  /**
   * Queues params to be tried next (Optuna `enqueue_trial`): a WAITING trial that the next `ask()`
   * starts instead of sampling. Throws SearchSpaceError if the params do not fit the space.
   */
  enqueueTrial(params: Params): number {
    validateParams(this.space, params);
    const number = this.#trials.length;
    this.#trials.push({ number, state: 'WAITING', params: { ...params }, value: null, intermediate: {}, prunedAtRung: null });
    return number;
  }

  /**
   * Starts a trial: the oldest WAITING one if any, else a new one whose params the sampler suggests
   * from the whole history, RUNNING trials included (constant liar). The trial is RUNNING on return.
   */
  ask(): { number: number; params: Params } {
    const waiting = this.#trials.find((t) => t.state === 'WAITING');
    if (waiting !== undefined) {
      this.#apply(waiting, 'started');
      return { number: waiting.number, params: { ...waiting.params } };
    }
    const number = this.#trials.length;
    const params = this.sampler.suggest({
      space: this.space,
      history: this.trials,
      direction: this.direction,
      trialNumber: number,
    });
    this.#trials.push({ number, state: 'RUNNING', params: { ...params }, value: null, intermediate: {}, prunedAtRung: null });
    return { number, params: { ...params } };
  }

  /**
   * Records an intermediate value. The first report of a step wins (Optuna `report()`); returns
   * whether this one was stored. A report to a finished trial is ignored, as the table says.
   */
  report(number: number, step: number, value: number): boolean {
    const trial = this.#get(number);
    if (!Number.isSafeInteger(step) || step < 0) throw new RangeError(`step must be a non-negative integer, got ${step}`);
    if (typeof value !== 'number') throw new TypeError(`value must be a number, got ${JSON.stringify(value)}`);
    if (!this.#apply(trial, 'epochReported')) return false;
    if (Object.hasOwn(trial.intermediate, step)) return false;
    trial.intermediate[step] = value;
    return true;
  }

  /**
   * Asks the pruner about the trial's latest report. The answer for a given latest step is
   * remembered, so asking again (or after a repeated report) gives the same answer, as in Optuna
   * where the rungs were recorded by the first call. False for a trial that is not RUNNING.
   */
  shouldPrune(number: number): boolean {
    const trial = this.#get(number);
    if (trial.state !== 'RUNNING') return false;
    const step = lastStep(trial);
    if (step === null) return false;
    const cached = this.#judged.get(number);
    if (cached !== undefined && cached.step === step) return cached.decision.prune;
    const decision = this.pruner.decide({
      trial: snapshot(trial),
      history: this.trials,
      direction: this.direction,
      studySeed: this.seed,
    });
    this.#judged.set(number, { step, decision });
    return decision.prune;
  }

  /**
   * Finishes a trial: a number completes it (NaN fails it: a diverged model has no value);
   * `{ state: 'pruned' }` keeps the last intermediate value as its value (Optuna _tell.py) and the
   * rung that pruned it; `{ state: 'failed' }` fails it. Late or repeated tells are ignored per the
   * lifecycle table; illegal ones throw IllegalTransitionError. Returns the trial.
   */
  tell(number: number, result: TellResult): FrozenTrial {
    const trial = this.#get(number);
    if (typeof result === 'number') {
      if (Number.isNaN(result)) {
        this.#apply(trial, 'failed');
      } else if (this.#apply(trial, 'completed')) {
        trial.value = result;
      }
      return snapshot(trial);
    }
    const state = (result as { state?: unknown } | null)?.state;
    if (state === 'pruned') {
      if (this.#apply(trial, 'pruned')) {
        const last = lastValue(trial);
        trial.value = last === null || Number.isNaN(last) ? null : last;
        const judged = this.#judged.get(number);
        trial.prunedAtRung =
          judged !== undefined && judged.step === lastStep(trial) && judged.decision.prune ? judged.decision.rung : null;
      }
    } else if (state === 'failed') {
      this.#apply(trial, 'failed');
    } else {
      throw new TypeError(`result must be a number, { state: 'pruned' } or { state: 'failed' }, got ${JSON.stringify(result)}`);
    }
    return snapshot(trial);
  }

  toJSON(): StudyJSON {
    return {
      version: 1,
      direction: this.direction,
      seed: this.seed,
      space: searchSpaceToJSON(this.space),
      sampler: this.sampler.toJSON(),
      pruner: this.pruner.toJSON(),
      trials: this.#trials.map((t) => ({
        number: t.number,
        state: t.state,
        params: { ...t.params },
        value: t.value,
        intermediate: Object.fromEntries(
          Object.entries(t.intermediate).map(([step, v]) => [step, Number.isNaN(v) ? null : v]),
        ),
        prunedAtRung: t.prunedAtRung,
      })),
      judged: [...this.#judged].map(([n, j]) => [n, j.step, j.decision.prune, j.decision.rung] as const),
    };
  }

  /** Rebuilds a study from `toJSON()` (after a JSON round trip); sampler and pruner via their fromJSON. */
  static fromJSON(json: StudyJSON): Study {
    if (typeof json !== 'object' || json === null || json.version !== 1) {
      throw new TypeError(`study.version must be 1, got ${JSON.stringify((json as { version?: unknown } | null)?.version)}`);
    }
    const study = new Study({
      space: json.space,
      direction: json.direction,
      seed: json.seed,
      sampler: samplerFromJSON(json.sampler),
      pruner: prunerFromJSON(json.pruner),
    });
    json.trials.forEach((t, i) => {
      if (t.number !== i) throw new RangeError(`trials[${i}].number must be ${i}, got ${t.number}`);
      if (!TRIAL_STATES.includes(t.state)) throw new RangeError(`trials[${i}].state is not a trial state: ${JSON.stringify(t.state)}`);
      const intermediate: Record<number, number> = {};
      for (const [step, v] of Object.entries(t.intermediate)) intermediate[Number(step)] = v === null ? NaN : v;
      study.#trials.push({
        number: t.number,
        state: t.state,
        params: { ...t.params },
        value: t.value,
        intermediate,
        prunedAtRung: t.prunedAtRung ?? null,
      });
    });
    for (const [n, step, prune, rung] of json.judged ?? []) study.#judged.set(n, { step, decision: { prune, rung } });
    return study;
  }

  #get(number: number): MutableTrial {
    const trial = Number.isSafeInteger(number) ? this.#trials[number] : undefined;
    if (trial === undefined) throw new RangeError(`number must be the number of a trial of this study, got ${number}`);
    return trial;
  }

  /** Applies an event through the lifecycle table; false when the table says `ignore`. */
  #apply(trial: MutableTrial, event: TrialEvent): boolean {
    const next = transition(trial.state, event);
    if (next === 'ignore') return false;
    trial.state = next;
    return true;
  }
}
