/** Small shared pieces: status badge, progress bar, error and loading notices, state counts. */
import type { ComponentChildren } from 'preact';
import type { StudyDetail, TrialState } from '../api-types.js';
import { STATE_COLOURS } from '../charts/palette.js';
import { formatCount } from '../format.js';

export const TRIAL_STATES: readonly TrialState[] = ['WAITING', 'RUNNING', 'PAUSED', 'COMPLETE', 'PRUNED', 'FAILED'];

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status.toLowerCase()}`}>{status.toLowerCase()}</span>;
}

export function Progress({ study }: { study: StudyDetail }) {
  const { finished } = study.progress;
  const label = `${formatCount(finished)} of ${formatCount(study.maxTrials)} trials finished`;
  return (
    <div class="progress">
      <progress max={study.maxTrials} value={finished} aria-label={label} />
      <span class="progress-text">{label}</span>
    </div>
  );
}

export function StateCounts({ counts }: { counts: Readonly<Record<TrialState, number>> }) {
  return (
    <ul class="state-counts" aria-label="trials per state">
      {TRIAL_STATES.filter((s) => counts[s] > 0).map((s) => (
        <li key={s}>
          <span class="dot" style={{ background: STATE_COLOURS[s] }} aria-hidden="true" />
          {s.toLowerCase()} <strong>{formatCount(counts[s])}</strong>
        </li>
      ))}
    </ul>
  );
}

export function Notice({ kind = 'info', children }: { kind?: 'info' | 'error'; children: ComponentChildren }) {
  return (
    <p class={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status" aria-busy="true">
      Loading {what}…
    </p>
  );
}
