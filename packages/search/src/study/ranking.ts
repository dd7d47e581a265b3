import type { FrozenTrial } from '../trial/frozen-trial.js';
import { lastStep, lastValue } from '../trial/intermediate.js';
import { isOpen } from '../trial/lifecycle.js';
import type { Direction } from './direction.js';

export interface ParetoPoint {
  readonly vloss: number;
  readonly params: number;
}

/**
 * The points no other point dominates, minimising both vloss and parameters, in input order
 * (stable). A point dominates another when it is no worse on both axes and better on one, so equal
 * points are all kept. Points with a NaN coordinate are never on the front.
 *
 * O(n log n): the two-objective sweep (Kung, Luccio and Preparata, "On finding the maxima of a set
 * of vectors", JACM 1975). After sorting by vloss, then parameters, every point that could
 * dominate a point comes before it, so a point is on the front exactly when its parameter count is
 * strictly below the smallest one seen so far, or when it equals the point that set that minimum
 * on both axes (an equal point does not dominate).
 */
export function paretoFront<T extends ParetoPoint>(points: readonly T[]): T[] {
  const order: number[] = [];
  for (let i = 0; i < points.length; i++) {
    const p = points[i] as T;
    if (!Number.isNaN(p.vloss) && !Number.isNaN(p.params)) order.push(i);
  }
  order.sort((i, j) => {
    const a = points[i] as T;
    const b = points[j] as T;
    if (a.vloss !== b.vloss) return a.vloss < b.vloss ? -1 : 1;
    if (a.params !== b.params) return a.params < b.params ? -1 : 1;
    return 0;
  });
  const onFront = new Uint8Array(points.length);
  let best: ParetoPoint | null = null;
  for (const i of order) {
    const p = points[i] as T;
    if (best === null || p.params < best.params) {
      best = p;
      onFront[i] = 1;
    } else if (p.params === best.params && p.vloss === best.vloss) {
      onFront[i] = 1;
    }
  }
  return points.filter((_, i) => onFront[i] === 1);
}

/** Ranking classes, best first. */
const enum Tier {
  Complete = 0,
  Pruned = 1,
  Active = 2,
  Failed = 3,
}

function tierOf(t: FrozenTrial): Tier {
  if (t.state === 'COMPLETE') return t.value === null || Number.isNaN(t.value) ? Tier.Failed : Tier.Complete;
  if (t.state === 'PRUNED' || isOpen(t.state)) {
    const v = lastValue(t);
    if (v === null || Number.isNaN(v)) return t.state === 'PRUNED' ? Tier.Failed : Tier.Active;
    return t.state === 'PRUNED' ? Tier.Pruned : Tier.Active;
  }
  return Tier.Failed;
}

/**
 * Leaderboard order, best first (a comparator for Array.prototype.sort):
 * 1. COMPLETE trials by objective value;
 * 2. PRUNED trials by the furthest epoch reached, then by their last intermediate value (the value
 *    Optuna gives a pruned trial, _tell.py);
 * 3. open trials (WAITING, RUNNING, PAUSED) the same way, those without reports last;
 * 4. FAILED trials, and any COMPLETE or PRUNED trial whose value is NaN or missing (a diverged
 *    model ranks as a failure, not as a number).
 * Equal keys fall back to the trial number, so the order is total and deterministic.
 */
export function compareTrials(direction: Direction): (a: FrozenTrial, b: FrozenTrial) => number {
  const sign = direction === 'maximize' ? -1 : 1;
  return (a, b) => {
    const ta = tierOf(a);
    const tb = tierOf(b);
    if (ta !== tb) return ta - tb;
    if (ta === Tier.Complete) return sign * ((a.value as number) - (b.value as number)) || a.number - b.number;
    if (ta === Tier.Pruned || ta === Tier.Active) {
      const sa = lastStep(a) ?? -1;
      const sb = lastStep(b) ?? -1;
      if (sa !== sb) return sb - sa;
      const va = lastValue(a);
      const vb = lastValue(b);
      if (va === null || vb === null || Number.isNaN(va) || Number.isNaN(vb)) {
        const na = va === null || Number.isNaN(va);
        const nb = vb === null || Number.isNaN(vb);
        if (na !== nb) return na ? 1 : -1;
        return a.number - b.number;
      }
      return sign * (va - vb) || a.number - b.number;
    }
    return a.number - b.number;
  };
}

/**
 * The best COMPLETE trial with a numeric value (Optuna `Study.best_trial`), ties to the lower
 * number; null when there is none.
 */
export function bestTrial(trials: readonly FrozenTrial[], direction: Direction): FrozenTrial | null {
  const compare = compareTrials(direction);
  let best: FrozenTrial | null = null;
  for (const t of trials) {
    if (tierOf(t) !== Tier.Complete) continue;
    if (best === null || compare(t, best) < 0) best = t;
  }
  return best;
}
