import { describe, expect, it } from 'vitest';
import { type HandleReport, createEventBatches } from '../src/event-batch.js';
import { createSerial } from '../src/serial.js';
import type { StudyLoop } from '../src/study-loop.js';

/** A loop that records fills (and fails those of study `broken`). */
function recordingLoop(log: string[]): StudyLoop {
  return {
    async fill(studyId) {
      log.push(`fill ${studyId}`);
      if (studyId === 'broken') throw new Error('fill failed');
    },
    countRetry() {},
    async stopTrials() {
      return 0;
    },
    async poll() {},
    running: new Set(),
  };
}

/** Reports are `{ id, study?, fail? }`: handled in order, asking to fill `study`, throwing if `fail`. */
function reportHandler(log: string[]): HandleReport {
  return async (loop, data) => {
    const report = data as { id: string; study?: string; fail?: boolean };
    log.push(`handle ${report.id}`);
    if (report.fail) throw new Error(`report ${report.id} failed`);
    if (report.study !== undefined) await loop.fill(report.study);
  };
}

/** Occupies the serial section until `release()`. */
function holdSerial(serial: ReturnType<typeof createSerial>): { release(): void; busy: Promise<void> } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { release, busy: serial(() => gate) };
}

describe('createEventBatches', () => {
  it('handles the reports that arrive while one is handled as one batch, filling each study once at its end', async () => {
    const log: string[] = [];
    const serial = createSerial();
    // Something else holds the serial section while four reports arrive.
    const { release, busy } = holdSerial(serial);
    const handle = createEventBatches(reportHandler(log), recordingLoop(log), serial, () => undefined);
    const settled = Promise.all(
      [
        { id: 'a', study: 's1' },
        { id: 'b', study: 's2' },
        { id: 'c', study: 's1' },
        { id: 'd' },
      ].map((r) => handle(r)),
    );
    release();
    await busy;
    await settled;
    expect(log).toEqual(['handle a', 'handle b', 'handle c', 'handle d', 'fill s1', 'fill s2']);
  });

  it('rejects only the report that failed, and the reports whose fill failed', async () => {
    const log: string[] = [];
    const serial = createSerial();
    const { release, busy } = holdSerial(serial);
    const handle = createEventBatches(reportHandler(log), recordingLoop(log), serial, () => undefined);
    const outcomes = Promise.allSettled([
      handle({ id: 'a', study: 'broken' }),
      handle({ id: 'b', fail: true, study: 's1' }),
      handle({ id: 'c', study: 's1' }),
      handle({ id: 'd', study: 'broken' }),
    ]);
    release();
    await busy;
    expect((await outcomes).map((o) => (o.status === 'rejected' ? (o.reason as Error).message : 'ok'))).toEqual([
      'fill failed',
      'report b failed',
      'ok',
      'fill failed',
    ]);
    expect(log).toEqual(['handle a', 'handle b', 'handle c', 'handle d', 'fill broken', 'fill s1']);
  });

  it('resolves a report only after the fill it asked for', async () => {
    const log: string[] = [];
    const handle = createEventBatches(reportHandler(log), recordingLoop(log), createSerial(), () => undefined);
    await handle({ id: 'a', study: 's1' });
    expect(log).toEqual(['handle a', 'fill s1']);
  });
});
