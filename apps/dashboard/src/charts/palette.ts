/** One colour per trial state and the accents every chart shares, so the pages read alike. */
import type { TrialState } from '../api-types.js';

export const STATE_COLOURS: Readonly<Record<TrialState, string>> = {
  WAITING: '#9aa5b1',
  RUNNING: '#7c5cd6',
  PAUSED: '#b08fd8',
  COMPLETE: '#2f6fde',
  PRUNED: '#e08a1e',
  FAILED: '#d64545',
};

export const ACCENT = '#2f6fde';
export const BEST = '#12a36e';
export const FRONT = '#d64545';
export const MUTED = '#9aa5b1';
/** Low → high; minimising studies reverse it so the best values are always the warm end. */
export const SEQUENTIAL = ['#313695', '#4575b4', '#74add1', '#abd9e9', '#fee090', '#fdae61', '#f46d43', '#d73027'];
