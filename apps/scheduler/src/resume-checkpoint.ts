/**
 * Staging the checkpoint a job resumes from. The planned checkpoint may be unusable: its row or
 * bytes are gone (`missing`), or its bytes fail the sha256 recorded when it was saved (`corrupt`).
 * Then the job resumes from the newest earlier checkpoint of the trial's lineage that reads back
 * intact, or from scratch, and says so: a warning in the log and a resume-fallback record, which
 * the api shows with the trial. A corrupt checkpoint is deleted, so no later resume tries it again
 * and the epoch's checkpoint can be saved afresh when the trial trains it again.
 */
import { type TrialRunJob, trialCheckpointKey } from '@tunefleet/contracts';
import { CheckpointCorruptError, NotFoundError, type ResumeFallbackProblem, type Trial } from '@tunefleet/db';
import type { SchedulerContext } from './context.js';

export interface ResumeStart {
  /** The epoch the job starts after (0: from scratch). */
  readonly startEpoch: number;
  /** The checkpoint staged in Redis for the job; undefined from scratch. */
  readonly resumeCheckpoint?: TrialRunJob['resumeCheckpoint'];
}

interface Candidate {
  readonly trialId: string;
  readonly epoch: number;
}

/** The planned checkpoint first, then every other checkpoint of the lineage at or before it, newest epoch first. */
async function candidates(ctx: SchedulerContext, owners: readonly Trial[], planned: Candidate): Promise<Candidate[]> {
  const out: Candidate[] = [planned];
  const listed = await Promise.all(owners.map(async (owner, rank) => (await ctx.stores.checkpoints.list(owner.id)).map((c) => ({ c, rank }))));
  const earlier = listed
    .flat()
    .filter(({ c }) => c.epoch <= planned.epoch && !(c.trialId === planned.trialId && c.epoch === planned.epoch))
    // Newest epoch first; for equal epochs the trial nearest in the lineage.
    .sort((a, b) => b.c.epoch - a.c.epoch || a.rank - b.rank);
  for (const { c } of earlier) out.push({ trialId: c.trialId, epoch: c.epoch });
  return out;
}

/**
 * Puts the bytes of the checkpoint `attempt` of `trial` resumes from into Redis: the planned one
 * (`resumeTrialId` at `startEpoch`) or, if it is unusable, the fallback described above, searched
 * in `owners` (the trial's lineage, newest first). A plan whose `wantedEpoch` lies above its
 * `startEpoch` found that checkpoint's row gone already, and is recorded as a `missing` fallback.
 */
export async function stageResumeCheckpoint(
  ctx: SchedulerContext,
  trial: Trial,
  owners: readonly Trial[],
  attempt: number,
  planned: { readonly resumeTrialId: string | null; readonly startEpoch: number; readonly wantedEpoch?: number },
): Promise<ResumeStart> {
  const unusable: { candidate: Candidate; problem: ResumeFallbackProblem }[] = [];
  // The plan already passed over the checkpoint it wanted: its row is gone.
  const wanted = planned.wantedEpoch ?? 0;
  if (wanted > planned.startEpoch) unusable.push({ candidate: { trialId: trial.id, epoch: wanted }, problem: 'missing' });
  let staged: ResumeStart = { startEpoch: 0 };
  const tries =
    planned.resumeTrialId === null || planned.startEpoch <= 0
      ? []
      : await candidates(ctx, owners, { trialId: planned.resumeTrialId, epoch: planned.startEpoch });
  for (const candidate of tries) {
    let data: Uint8Array;
    try {
      ({ data } = await ctx.stores.checkpoints.read(candidate.trialId, candidate.epoch));
    } catch (err) {
      if (err instanceof NotFoundError) {
        unusable.push({ candidate, problem: 'missing' });
        continue;
      }
      if (err instanceof CheckpointCorruptError) {
        unusable.push({ candidate, problem: 'corrupt' });
        await ctx.stores.checkpoints.remove(candidate.trialId, candidate.epoch);
        continue;
      }
      throw err;
    }
    await ctx.redis.set(
      trialCheckpointKey(candidate.trialId, candidate.epoch, ctx.config.queuePrefix),
      Buffer.from(data.buffer, data.byteOffset, data.byteLength),
      'EX',
      ctx.config.checkpointTtlS,
    );
    staged = { startEpoch: candidate.epoch, resumeCheckpoint: { trialId: candidate.trialId, epoch: candidate.epoch } };
    break;
  }
  for (const { candidate, problem } of unusable) {
    await recordResumeFallback(ctx, trial, attempt, candidate, problem, staged.startEpoch);
  }
  return staged;
}

/** Logs and records that `attempt` of `trial` could not use `checkpoint` and resumes from `resumedFromEpoch` instead. */
export async function recordResumeFallback(
  ctx: SchedulerContext,
  trial: Trial,
  attempt: number,
  checkpoint: Candidate,
  problem: ResumeFallbackProblem,
  resumedFromEpoch: number,
): Promise<void> {
  ctx.log.warn(
    {
      studyId: trial.studyId,
      trialId: trial.id,
      trialNumber: trial.number,
      attempt,
      problem,
      checkpointTrialId: checkpoint.trialId,
      checkpointEpoch: checkpoint.epoch,
      resumedFromEpoch,
    },
    resumedFromEpoch > 0 ? 'checkpoint unusable; resuming from an earlier checkpoint' : 'checkpoint unusable; training from scratch',
  );
  await ctx.stores.resumeFallbacks.record({
    trialId: trial.id,
    attempt,
    problem,
    checkpointTrialId: checkpoint.trialId,
    checkpointEpoch: checkpoint.epoch,
    resumedFromEpoch,
  });
}
