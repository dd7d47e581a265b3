/**
 * A unique BullMQ prefix and Redis namespace per test (the contracts' prefix rule makes them one
 * string), and a connection for the test's own commands. `cleanup` deletes every key under it.
 * The worker has no Postgres, so it does not use @tunefleet/db/testing's fixtures.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = 'redis://127.0.0.1:6379';

export interface TestNamespace {
  readonly prefix: string;
  readonly redis: Redis;
  cleanup(): Promise<void>;
}

export async function createTestNamespace(): Promise<TestNamespace> {
  const prefix = `tfworker-${randomBytes(6).toString('hex')}`;
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  await redis.connect();
  return {
    prefix,
    redis,
    async cleanup() {
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
          cursor = next;
          if (keys.length > 0) await redis.unlink(...keys);
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}
