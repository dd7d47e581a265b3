/**
 * The workspace packages the e2e tests use, imported by path. The root package.json (which owns
 * e2e/) declares no workspace dependencies, so `@tunefleet/*` and `@tensorflow/tfjs` do not
 * resolve from this folder; importing them here, once, keeps every test on package-style names.
 * The tfjs path is the copy @tunefleet/models itself imports, so the custom layers it registers
 * are registered on this engine too.
 */
export {
  createRedisNamespace,
  createTestDatabase,
  type RedisNamespace,
  type TestDatabase,
} from '../../packages/db/src/testing.js';
export * as models from '../../packages/models/src/index.js';
export * as tf from '../../packages/models/node_modules/@tensorflow/tfjs/dist/index.js';
