/** The progress line of `tunefleet watch`: a bar of finished trials over the budget, best so far, ETA, counts. */
import type { StudyDetail, StudyStatus } from './api-types.js';
import { formatDuration, formatMetric } from './format.js';

const STATE_ORDER = ['RUNNING', 'WAITING', 'PAUSED', 'COMPLETE', 'PRUNED', 'FAILED'] as const;

export function isFinal(status: StudyStatus): boolean {
  return status !== 'RUNNING';
}

/** `[████████░░░░░░░░░░░░] 12/50 24%`: finished (COMPLETE + PRUNED + FAILED) over maxTrials. */
export function progressBar(finished: number, total: number, width = 20): string {
  const fraction = total > 0 ? Math.min(1, finished / total) : 0;
  const filled = Math.round(fraction * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${finished}/${total} ${Math.floor(fraction * 100)}%`;
}

/** `running 2 · complete 10 · pruned 1`: the states that have trials, in lifecycle order. */
export function stateCounts(counts: StudyDetail['progress']['counts']): string {
  const parts = STATE_ORDER.filter((s) => (counts[s] ?? 0) > 0).map((s) => `${s.toLowerCase()} ${counts[s]}`);
  return parts.length > 0 ? parts.join(' · ') : 'no trials yet';
}

export function bestSoFar(detail: StudyDetail): string {
  const best = detail.progress.best;
  return best === null ? 'best -' : `best ${formatMetric(best.value)} (#${best.number})`;
}

/** The whole line; `eta` left out when the study is final. */
export function progressLine(detail: StudyDetail): string {
  const { progress } = detail;
  const parts = [progressBar(progress.finished, detail.maxTrials), bestSoFar(detail)];
  if (!isFinal(detail.status)) parts.push(`ETA ${formatDuration(progress.etaMs)}`);
  parts.push(stateCounts(progress.counts));
  if (isFinal(detail.status)) parts.push(detail.status);
  return parts.join('  ');
}

/** `study … COMPLETE after 5m 12s: 8 trials (6 complete, 2 pruned), best 0.3979 (trial #7)`. */
export function finalSummary(detail: StudyDetail): string {
  const { progress } = detail;
  const best = progress.best === null ? 'no completed trial' : `best ${formatMetric(progress.best.value)} (trial #${progress.best.number})`;
  return `study ${detail.id} ${detail.status} after ${formatDuration(progress.elapsedMs)}: ${progress.total} trials (${stateCounts(progress.counts)}), ${best}`;
}
