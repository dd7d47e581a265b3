import { HyperbandPruner } from './hyperband.js';
import { NopPruner } from './nop-pruner.js';
import type { Pruner, PrunerJSON } from './pruner.js';
import { SuccessiveHalvingPruner } from './successive-halving.js';
import { describeValue } from './validate.js';

/** Rebuilds a pruner from `pruner.toJSON()`; options are validated as by the constructors. */
export function prunerFromJSON(json: PrunerJSON): Pruner {
  if (typeof json !== 'object' || json === null) throw new TypeError(`pruner must be an object, got ${describeValue(json)}`);
  switch (json.type) {
    case 'nop':
      return new NopPruner();
    case 'successive-halving':
      return new SuccessiveHalvingPruner(json);
    case 'hyperband':
      return new HyperbandPruner(json);
    default:
      throw new TypeError(
        `pruner.type must be 'nop', 'successive-halving' or 'hyperband', got ${describeValue((json as { type: unknown }).type)}`,
      );
  }
}
