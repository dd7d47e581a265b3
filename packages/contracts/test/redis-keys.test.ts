import { describe, expect, it } from 'vitest';
import {
  DEFAULT_NAMESPACE,
  HEARTBEAT_INTERVAL_MS,
  HEARTBEAT_TTL_MS,
  QUEUES,
  bullmqPrefix,
  trialCheckpointKey,
  trialStopKey,
  workerHeartbeatKey,
} from '../src/index.js';

const trialId = '6f1c2a9e-3b7d-4c1e-9a55-0d2b8e4f7a10';

describe('redis keys', () => {
  it('build the documented keys in the default namespace', () => {
    expect(trialStopKey(trialId)).toBe(`tunefleet:trial:${trialId}:stop`);
    expect(workerHeartbeatKey('gpu-box-1')).toBe('tunefleet:worker:gpu-box-1:heartbeat');
  });

  it('live under a given namespace, as tests use', () => {
    expect(trialStopKey(trialId, 'tftest-ab12')).toBe(`tftest-ab12:trial:${trialId}:stop`);
    expect(workerHeartbeatKey('w', 'tftest-ab12')).toBe('tftest-ab12:worker:w:heartbeat');
  });

  it('reject ids and namespaces that would change the key structure', () => {
    expect(() => trialStopKey('x:y')).toThrow(/^trialId/);
    expect(() => workerHeartbeatKey('a b')).toThrow(/^workerId/);
    expect(() => trialStopKey(trialId, 'a:b')).toThrow(/^namespace/);
  });

  it('expire a silent worker after three missed heartbeats', () => {
    expect(HEARTBEAT_TTL_MS).toBe(3 * HEARTBEAT_INTERVAL_MS);
  });
});

describe('the BullMQ prefix rule', () => {
  it('uses the namespace itself as the prefix', () => {
    expect(bullmqPrefix()).toBe(DEFAULT_NAMESPACE);
    expect(bullmqPrefix('tftest-ab12')).toBe('tftest-ab12');
    expect(() => bullmqPrefix('tune:fleet')).toThrow(/^namespace/);
    expect(() => bullmqPrefix('')).toThrow(/^namespace/);
  });

  it('keeps BullMQ keys and ours apart: no queue is named like a key segment of ours', () => {
    const ourSegments = [trialStopKey(trialId), workerHeartbeatKey('w')].map((k) => k.split(':')[1]);
    expect(ourSegments).toEqual(['trial', 'worker']);
    for (const queue of Object.values(QUEUES)) {
      expect(ourSegments).not.toContain(queue);
      expect(queue).not.toContain(':');
    }
    expect(Object.values(QUEUES)).toEqual(['trials', 'trial-events']);
  });
});

describe('checkpoint keys', () => {
  it('name one archive per trial and epoch under the namespace', () => {
    expect(trialCheckpointKey(trialId, 3)).toBe(`tunefleet:trial:${trialId}:checkpoint:3`);
    expect(trialCheckpointKey(trialId, 1, 'tftest-ab12')).toBe(`tftest-ab12:trial:${trialId}:checkpoint:1`);
    expect(trialCheckpointKey(trialId, 1)).not.toBe(trialCheckpointKey(trialId, 2));
  });

  it('reject epochs below 1 and ids that would change the key structure', () => {
    expect(() => trialCheckpointKey(trialId, 0)).toThrow(/^epoch/);
    expect(() => trialCheckpointKey(trialId, 1.5)).toThrow(/^epoch/);
    expect(() => trialCheckpointKey('x:y', 1)).toThrow(/^trialId/);
    expect(() => trialCheckpointKey(trialId, 1, 'a:b')).toThrow(/^namespace/);
  });

});
