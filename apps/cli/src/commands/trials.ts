/** `tunefleet trials <id>`: a study's trials by number, optionally of some states only. */
import { integerOption } from '../args.js';
import type { TrialList, TrialSummary } from '../api-types.js';
import type { Command } from '../command.js';
import { EXIT_OK } from '../errors.js';
import { type Column, formatCount, formatMetric, formatTable } from '../format.js';

export const DEFAULT_TRIALS_LIMIT = 100;

const TRIAL_COLUMNS: readonly Column<TrialSummary>[] = [
  { header: 'trial', value: (t) => `#${t.number}`, align: 'right' },
  { header: 'state', value: (t) => t.state },
  { header: 'value', value: (t) => formatMetric(t.objectiveValue), align: 'right' },
  { header: 'vloss', value: (t) => formatMetric(t.vloss), align: 'right' },
  { header: 'accuracy', value: (t) => formatMetric(t.accuracy), align: 'right' },
  { header: 'params', value: (t) => formatCount(t.parameterCount), align: 'right' },
  { header: 'attempts', value: (t) => String(t.attempts), align: 'right' },
  { header: 'id', value: (t) => t.id },
  { header: 'failure', value: (t) => (t.failureType === null ? '' : `${t.failureType}: ${t.failureMessage ?? ''}`.slice(0, 60)) },
];

export const trials: Command = {
  spec: {
    name: 'trials',
    summary: "a study's trials, by number",
    usage: 'tunefleet trials <id> [--state STATE]... [--limit N] [--json]',
    positionals: ['id'],
    options: { state: { type: 'string', multiple: true }, limit: { type: 'string' }, json: { type: 'boolean' } },
    optionHelp: [
      '--state S    only trials in state S (WAITING, RUNNING, PAUSED, COMPLETE, PRUNED, FAILED); repeat for several',
      `--limit N    at most N trials, 1–500 (default ${DEFAULT_TRIALS_LIMIT})`,
      '--json       the api answer as JSON',
    ],
  },
  async run({ args, client, print }) {
    const limit = integerOption(args.values, 'limit', 'trials', 1, 500) ?? DEFAULT_TRIALS_LIMIT;
    const states = ((args.values.state as string[] | undefined) ?? []).map((s) => s.toUpperCase());
    const id = args.positionals[0];
    const list = await client().get<TrialList>(`/studies/${encodeURIComponent(id)}/trials`, { state: states, limit });
    if (args.values.json === true) {
      print(JSON.stringify(list, null, 2));
      return EXIT_OK;
    }
    if (list.items.length === 0) {
      print(states.length > 0 ? `no trials in state ${states.join(' or ')}` : 'no trials yet');
      return EXIT_OK;
    }
    for (const line of formatTable(TRIAL_COLUMNS, list.items)) print(line);
    if (list.nextCursor !== null) print(`(first ${list.items.length}; more with --limit up to 500)`);
    return EXIT_OK;
  },
};
