import { TpeSampler } from '../../src/index.js';
import { describeSampler } from './conformance.js';

describeSampler('TpeSampler multivariate (default)', (seed) => new TpeSampler({ seed }));
describeSampler('TpeSampler univariate', (seed) => new TpeSampler({ seed, multivariate: false }));
describeSampler('TpeSampler multivariate without groups', (seed) => new TpeSampler({ seed, group: false, constantLiar: false }));
