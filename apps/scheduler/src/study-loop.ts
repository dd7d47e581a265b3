/**
 * The study loop: keeps `parallelism` trials in flight per RUNNING study, finishes a study whose
 * budget is spent, and reacts to the api's stop and resume. Every call runs inside the scheduler's
 * serial section, so a study's decisions happen one at a time.
 */
import type { Study, Trial } from '@tunefleet/db';
import { type FrozenTrial, IllegalTransitionError, lastValue, promotionAsha } from '@tunefleet/search';
import { type SchedulerContext, runtimeOf } from './context.js';
import { type Proposal, createAndStartTrials, enqueueTrial, propose, resumePlan, startTrial } from './dispatch.js';
import { historyAsOf } from './history-view.js';
import { createRetry } from './retry-trial.js';
import { type StudyRuntime, StudySpecError } from './study-runtime.js';
import { removeWaitingJobs, setStopKey } from './trial-signals.js';

const OPEN_STATES = ['WAITING', 'RUNNING', 'PAUSED'] as const;

/** Per-study facts the loop keeps between calls; rebuilt from Postgres when a study is first seen. */
export interface StudyBook {
  /** Trials that are retries: they do not count toward `maxTrials`. */
  retries: number;
}

/** Loads what the loop needs about a study it has not seen in this process. */
async function bookOf(ctx: SchedulerContext, books: Map<string, StudyBook>, study: Study, runtime: StudyRuntime): Promise<StudyBook> {
  let book = books.get(study.id);
  if (book !== undefined) return book;
  const trials = await ctx.stores.trials.list(study.id);
  book = { retries: trials.filter((t) => t.retryOfId !== null).length };
  books.set(study.id, book);
  // Trials cut short by a stop are retried when the study runs again (once per trial).
  const retried = new Set(trials.map((t) => t.retryOfId));
  for (const t of trials) {
    if (t.state === 'FAILED' && t.failureType === 'study-stopped' && !retried.has(t.id)) {
      if ((await createRetry(ctx, runtime, t)) !== null) book.retries++;
    }
  }
  return book;
}

export interface StudyLoop {
  /** Fills free slots of a RUNNING study and finishes it when its budget is spent. */
  fill(studyId: string): Promise<void>;
  /** Records a retry the loop did not create itself (reconcile). */
  countRetry(studyId: string): void;
  /** Fails a stopped study's open trials; returns how many. */
  stopTrials(studyId: string): Promise<number>;
  /** Polls Postgres: picks up new and resumed studies, fills them, and handles stops. */
  poll(): Promise<void>;
  /** Studies this process is running. */
  readonly running: ReadonlySet<string>;
}

export function createStudyLoop(ctx: SchedulerContext): StudyLoop {
  const books = new Map<string, StudyBook>();
  const running = new Set<string>();

  async function failStudy(study: Study, err: StudySpecError): Promise<void> {
    ctx.log.error({ err, studyId: study.id, issues: err.issues }, 'study cannot be run');
    await ctx.stores.studies.finish(study.id, 'FAILED');
    running.delete(study.id);
    ctx.forget(study.id);
  }

  /** Promotion ASHA moves a PAUSED trial back to RUNNING and resumes it from its rung's checkpoint. */
  async function promote(runtime: StudyRuntime, trial: Trial, resumeFromEpoch: number): Promise<boolean> {
    const result = await ctx.stores.trials.apply(trial.id, 'promoted', { resumeFromEpoch });
    if (!result.changed) return false;
    const plan = await resumePlan(ctx, runtime, trial, resumeFromEpoch);
    await enqueueTrial(ctx, runtime, trial, plan);
    ctx.log.info(
      { studyId: trial.studyId, trialId: trial.id, trialNumber: trial.number, startEpoch: plan.startEpoch, maxEpochs: plan.maxEpochs },
      'trial promoted',
    );
    return true;
  }

  /**
   * A study is done when its budget is spent and nothing runs. Under promotion ASHA, trials still
   * PAUSED then never made their rung's cut: they end PRUNED with their last value.
   */
  async function complete(runtime: StudyRuntime, history: readonly FrozenTrial[]): Promise<void> {
    for (const t of history) {
      if (t.state !== 'PAUSED') continue;
      const trial = await ctx.stores.trials.getByNumber(runtime.studyId, t.number);
      await ctx.stores.trials.apply(trial.id, 'pruned', { objectiveValue: lastValue(t) });
    }
    let result;
    try {
      result = await ctx.stores.studies.finish(runtime.studyId, 'COMPLETE');
    } catch (err) {
      // The api stopped the study in the meantime: its decision came first.
      if (!(err instanceof IllegalTransitionError)) throw err;
      result = { changed: false };
    }
    running.delete(runtime.studyId);
    books.delete(runtime.studyId);
    ctx.forget(runtime.studyId);
    if (result.changed) ctx.log.info({ studyId: runtime.studyId, trials: history.length }, 'study complete');
  }

  async function fill(studyId: string): Promise<void> {
    const study = await ctx.stores.studies.get(studyId);
    if (study.status !== 'RUNNING') return;
    let runtime: StudyRuntime;
    try {
      runtime = await runtimeOf(ctx, studyId);
    } catch (err) {
      if (err instanceof StudySpecError) return failStudy(study, err);
      throw err;
    }
    running.add(studyId);
    const book = await bookOf(ctx, books, study, runtime);
    const history: FrozenTrial[] = [...(await ctx.stores.trials.history(studyId))];
    const setState = (number: number, state: FrozenTrial['state']): void => {
      history[number] = { ...history[number], state };
    };
    let inFlight = history.filter((t) => t.state === 'RUNNING').length;

    // Trials created but not yet started (a crash between the two writes, or retries) go first:
    // their params are already decided.
    for (const t of history) {
      if (inFlight >= runtime.parallelism) break;
      if (t.state !== 'WAITING') continue;
      const outcome = await startTrial(ctx, runtime, await ctx.stores.trials.getByNumber(studyId, t.number));
      if (outcome === 'dispatched') inFlight++;
      setState(t.number, outcome === 'dispatched' ? 'RUNNING' : 'FAILED');
    }

    // New trials are suggested one after the other (each sees the ones before it pending: the
    // constant liar) and written together, one statement and one bulk enqueue for every slot this
    // fill has; a promotion writes at once, so the batch before it goes first.
    const proposals: Proposal[] = [];
    const flush = async (): Promise<void> => {
      if (proposals.length > 0) await createAndStartTrials(ctx, runtime, proposals.splice(0));
    };
    while (inFlight < runtime.parallelism) {
      if (runtime.promotion !== null) {
        const job = promotionAsha.getJob({ history, direction: runtime.direction, config: runtime.promotion });
        if (job.kind === 'promote') {
          await flush();
          const trial = await ctx.stores.trials.getByNumber(studyId, job.trialNumber);
          if (await promote(runtime, trial, job.resumeFromEpoch)) inFlight++;
          // Promoted past its rung: getJob reads this from the RUNNING state.
          setState(job.trialNumber, 'RUNNING');
          continue;
        }
      }
      if (history.length - book.retries >= runtime.maxTrials) break;
      const number = history.length;
      const view =
        ctx.config.deterministicDispatch && runtime.promotion === null
          ? historyAsOf(history, number, runtime.parallelism)
          : history;
      // A trial older than the window is still open: the suggestion waits for it (history-view.ts).
      if (view === null) break;
      const params = runtime.sampler.suggest({ space: runtime.space, history: view, direction: runtime.direction, trialNumber: number });
      const proposal = propose(runtime, number, params);
      proposals.push(proposal);
      history.push({ number, state: proposal.verdict.ok ? 'RUNNING' : 'FAILED', params, value: null, intermediate: {} });
      if (proposal.verdict.ok) inFlight++;
    }
    await flush();

    const open = history.some((t) => t.state === 'RUNNING' || t.state === 'WAITING');
    if (!open && history.length - book.retries >= runtime.maxTrials) await complete(runtime, history);
  }

  async function stopTrials(studyId: string): Promise<number> {
    const open = await ctx.stores.trials.list(studyId, { states: [...OPEN_STATES] });
    let stopped = 0;
    for (const trial of open) {
      const result = await ctx.stores.trials.apply(trial.id, 'failed', {
        failureType: 'study-stopped',
        failureMessage: 'the study was stopped before this trial finished',
      });
      if (!result.changed) continue;
      stopped++;
      await setStopKey(ctx, trial.id);
      await removeWaitingJobs(ctx, trial);
    }
    if (stopped > 0) ctx.log.info({ studyId, trials: stopped }, 'study stopped');
    return stopped;
  }

  async function listRunning(): Promise<Study[]> {
    const studies: Study[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await ctx.stores.studies.list({ status: 'RUNNING', limit: 500, before });
      studies.push(...page);
      if (page.length < 500) return studies;
      before = page[page.length - 1].id;
    }
  }

  async function poll(): Promise<void> {
    const studies = await listRunning();
    const ids = new Set(studies.map((s) => s.id));
    for (const id of running) {
      if (ids.has(id)) continue;
      running.delete(id);
      // Left RUNNING without this process finishing it: the api stopped it. A resume later is
      // a new pick-up, which retries the trials the stop cut short.
      books.delete(id);
      ctx.forget(id);
      const study = await ctx.stores.studies.get(id);
      if (study.status === 'STOPPED') await stopTrials(id);
    }
    for (const study of studies) {
      if (!running.has(study.id)) ctx.log.info({ studyId: study.id, name: study.name }, 'study picked up');
      const counts = await ctx.stores.trials.countByState(study.id);
      // Events fill a study whose trials finish; polling only needs to act when a slot is free.
      if (running.has(study.id) && counts.RUNNING + counts.WAITING >= study.parallelism) continue;
      await fill(study.id);
    }
  }

  return {
    fill,
    stopTrials,
    poll,
    countRetry(studyId) {
      const book = books.get(studyId);
      if (book !== undefined) book.retries++;
    },
    running,
  };
}
