import { describe, expect, it } from 'vitest';
import {
  trialEpochJobId,
  trialEventJobId,
  trialFinishedJobId,
  trialRunJobId,
  trialStartedJobId,
  workerHeartbeatJobId,
} from '../src/index.js';

const trialId = '6f1c2a9e-3b7d-4c1e-9a55-0d2b8e4f7a10';

describe('job ids', () => {
  it('build the documented ids', () => {
    expect(trialRunJobId(trialId, 1)).toBe(`trial-${trialId}-a1`);
    expect(trialStartedJobId(trialId, 2)).toBe(`trial-${trialId}-a2-started`);
    expect(trialEpochJobId(trialId, 12)).toBe(`trial-${trialId}-epoch-12`);
    expect(trialFinishedJobId(trialId, 3)).toBe(`trial-${trialId}-a3-finished`);
    expect(workerHeartbeatJobId('gpu-box-1', 1_780_000_000_000)).toBe('heartbeat-gpu-box-1-1780000000000');
  });

  it('never contain a colon and are never all digits, even for numeric ids', () => {
    const ids = [
      trialRunJobId('42', 1),
      trialStartedJobId('42', 1),
      trialEpochJobId('42', 1),
      trialFinishedJobId('42', 1),
      workerHeartbeatJobId('7', 0),
    ];
    for (const id of ids) {
      expect(id).not.toContain(':');
      expect(id).not.toMatch(/^\d+$/);
    }
  });

  it('are deterministic and distinct across messages of one trial', () => {
    const ids = [
      trialRunJobId(trialId, 1),
      trialRunJobId(trialId, 2),
      trialStartedJobId(trialId, 1),
      trialStartedJobId(trialId, 2),
      trialFinishedJobId(trialId, 1),
      trialFinishedJobId(trialId, 2),
      trialEpochJobId(trialId, 1),
      trialEpochJobId(trialId, 2),
    ];
    expect(new Set(ids).size).toBe(ids.length);
    expect(trialEpochJobId(trialId, 5)).toBe(trialEpochJobId(trialId, 5));
  });

  it('reject ids that would break the rules, naming the field', () => {
    expect(() => trialRunJobId('a:b', 1)).toThrow(/^trialId must match/);
    expect(() => trialRunJobId('', 1)).toThrow(/^trialId/);
    expect(() => trialRunJobId(trialId, 0)).toThrow(/^attempt must be an integer >= 1/);
    expect(() => trialEpochJobId(trialId, 1.5)).toThrow(/^epoch/);
    expect(() => workerHeartbeatJobId('w 1', 0)).toThrow(/^workerId/);
    expect(() => workerHeartbeatJobId('w1', -1)).toThrow(/^sentAtMs/);
  });

  it('trialEventJobId picks the id of each message type', () => {
    expect(trialEventJobId({ v: 1, type: 'started', trialId, attempt: 2, workerId: 'w', backend: 'cpu' })).toBe(
      trialStartedJobId(trialId, 2),
    );
    expect(trialEventJobId({ v: 1, type: 'epoch', trialId, epoch: 4, metrics: { elapsedMs: 1 } })).toBe(
      trialEpochJobId(trialId, 4),
    );
    expect(trialEventJobId({ v: 1, type: 'finished', trialId, attempt: 1, outcome: 'stopped', epoch: 2 })).toBe(
      trialFinishedJobId(trialId, 1),
    );
    expect(
      trialEventJobId({ v: 1, type: 'heartbeat', workerId: 'w', host: 'h', backend: 'cpu', sentAtMs: 5 }),
    ).toBe(workerHeartbeatJobId('w', 5));
  });
});
