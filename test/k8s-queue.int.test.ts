/**
 * What the KEDA ScaledObject in deploy/k8s assumes of BullMQ, against the real Redis: a trial job
 * waits in the list `<prefix>:trials:wait` and, once a worker holds it, sits in `<prefix>:trials:active`,
 * so the sum of their lengths is the number of workers the queue can use.
 */
import { QUEUES, TRIAL_RUN_JOB_NAME, bullmqPrefix } from '@tunefleet/contracts';
import { redisTest } from '@tunefleet/db/testing';
import { Queue, Worker } from 'bullmq';
import { expect } from 'vitest';

redisTest('the queue lists the autoscaler reads hold the waiting and the held trial jobs', async ({ redisNamespace: { redis, prefix: namespace } }) => {
  const prefix = bullmqPrefix(namespace);
  const connection = redis.duplicate({ maxRetriesPerRequest: null });
  const queue = new Queue(QUEUES.trials, { connection, prefix });
  const lists = { waiting: `${prefix}:${QUEUES.trials}:wait`, active: `${prefix}:${QUEUES.trials}:active` };
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let worker: Worker | undefined;
  try {
    await queue.addBulk([1, 2, 3].map((n) => ({ name: TRIAL_RUN_JOB_NAME, data: { n }, opts: { jobId: `job-${n}` } })));
    expect(await redis.type(lists.waiting)).toBe('list');
    expect({ waiting: await redis.llen(lists.waiting), active: await redis.llen(lists.active) }).toEqual({ waiting: 3, active: 0 });

    const started = new Promise<void>((resolve) => {
      worker = new Worker(QUEUES.trials, async () => {
        resolve();
        await held;
      }, { connection, prefix, concurrency: 1 });
    });
    await started;
    expect({ waiting: await redis.llen(lists.waiting), active: await redis.llen(lists.active) }).toEqual({ waiting: 2, active: 1 });
  } finally {
    release();
    await worker?.close();
    await worker?.disconnect();
    await queue.close();
    connection.disconnect();
  }
});
