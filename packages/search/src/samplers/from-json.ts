import { RandomSampler } from './random.js';
import type { Sampler } from './sampler.js';
import { TpeSampler } from './tpe/tpe-sampler.js';
import type { TpeOptions } from './tpe/tpe-options.js';

/**
 * Rebuilds a sampler from its toJSON() form (Study.fromJSON, the REST API): `{ type: 'random', seed }`
 * or `{ type: 'tpe', ...TpeOptions }`. Unknown types and bad options throw a TypeError naming the field.
 */
export function samplerFromJSON(json: { type: string } & Record<string, unknown>): Sampler {
  if (typeof json !== 'object' || json === null) throw new TypeError('sampler must be an object with a type');
  const { type, ...options } = json;
  switch (type) {
    case 'random': {
      for (const key of Object.keys(options)) if (key !== 'seed') throw new TypeError(`unknown random sampler option ${JSON.stringify(key)}`);
      return new RandomSampler(options as { seed?: number });
    }
    case 'tpe':
      return new TpeSampler(options as TpeOptions);
    default:
      throw new TypeError(`sampler.type must be 'random' or 'tpe', got ${JSON.stringify(type)}`);
  }
}
