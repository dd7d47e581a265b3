/** What every handler of the scheduler works with; built once by `startScheduler`. */
import type { Stores } from '@tunefleet/db';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { type StudyRuntime, buildStudyRuntime } from './study-runtime.js';

export interface SchedulerContext {
  readonly config: Config;
  readonly log: Logger;
  readonly stores: Stores;
  /** Plain commands: stop keys and checkpoint archives. */
  readonly redis: Redis;
  /** `trials`: where trial.run jobs go. */
  readonly trialsQueue: Queue;
  /** `trial-events`: read by reconcile to know whether reports are still pending. */
  readonly eventsQueue: Queue;
  /** Runtimes of the studies seen so far, by study id (a study's spec never changes). */
  readonly runtimes: Map<string, StudyRuntime>;
  readonly now: () => Date;
}

/** The study's runtime, rebuilt from its row the first time (throws StudySpecError). */
export async function runtimeOf(ctx: SchedulerContext, studyId: string): Promise<StudyRuntime> {
  let runtime = ctx.runtimes.get(studyId);
  if (runtime === undefined) {
    runtime = buildStudyRuntime(await ctx.stores.studies.get(studyId));
    ctx.runtimes.set(studyId, runtime);
  }
  return runtime;
}
