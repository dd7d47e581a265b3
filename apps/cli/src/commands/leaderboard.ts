/** `tunefleet leaderboard <id>`: the best COMPLETE trials by a metric, as a table, JSON or CSV. */
import { choiceOption, exclusiveFlags, integerOption } from '../args.js';
import type { Leaderboard, LeaderboardEntry } from '../api-types.js';
import type { Command } from '../command.js';
import { EXIT_OK } from '../errors.js';
import { type Column, formatCount, formatMetric, formatTable, toCsv } from '../format.js';

export const LEADERBOARD_ORDERS = ['efficiency', 'vloss', 'accuracy', 'f1', 'value', 'parameters'] as const;
export const DEFAULT_LEADERBOARD_LIMIT = 20;

export const LEADERBOARD_COLUMNS: readonly Column<LeaderboardEntry>[] = [
  { header: 'rank', value: (e) => String(e.rank), align: 'right' },
  { header: 'trial', value: (e) => `#${e.number}`, align: 'right' },
  { header: 'value', value: (e) => formatMetric(e.value), align: 'right' },
  { header: 'vloss', value: (e) => formatMetric(e.vloss), align: 'right' },
  { header: 'accuracy', value: (e) => formatMetric(e.accuracy), align: 'right' },
  { header: 'f1', value: (e) => formatMetric(e.f1), align: 'right' },
  { header: 'params', value: (e) => formatCount(e.parameterCount), align: 'right' },
  { header: 'log10 eff', value: (e) => formatMetric(e.log10Efficiency), align: 'right' },
];

/** Every metric at full precision, then one column per hyperparameter (`param.<name>`, sorted). */
export function leaderboardCsv(board: Pick<Leaderboard, 'items'>): string {
  const paramNames = [...new Set(board.items.flatMap((e) => Object.keys(e.params)))].sort();
  const header = ['rank', 'trial', 'trial_id', 'value', 'vloss', 'accuracy', 'f1', 'parameters', 'log10_efficiency', ...paramNames.map((n) => `param.${n}`)];
  const rows = board.items.map((e) => [
    e.rank,
    e.number,
    e.trialId,
    e.value,
    e.vloss,
    e.accuracy,
    e.f1,
    e.parameterCount,
    e.log10Efficiency,
    ...paramNames.map((n) => e.params[n]),
  ]);
  return toCsv(header, rows);
}

export const leaderboard: Command = {
  spec: {
    name: 'leaderboard',
    summary: "a study's best trials by a metric",
    usage: `tunefleet leaderboard <id> [--by ${LEADERBOARD_ORDERS.join('|')}] [--limit N] [--json|--csv]`,
    positionals: ['id'],
    options: { by: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' }, csv: { type: 'boolean' } },
    optionHelp: [
      `--by KEY     rank by ${LEADERBOARD_ORDERS.join(', ')} (default: the study's objective)`,
      `--limit N    at most N trials, 1–1000 (default ${DEFAULT_LEADERBOARD_LIMIT})`,
      '--json       the api answer as JSON',
      '--csv        RFC 4180 CSV with every metric and one column per hyperparameter',
    ],
  },
  async run({ args, client, print, io }) {
    const by = choiceOption(args.values, 'by', 'leaderboard', LEADERBOARD_ORDERS);
    const limit = integerOption(args.values, 'limit', 'leaderboard', 1, 1000) ?? DEFAULT_LEADERBOARD_LIMIT;
    exclusiveFlags(args.values, ['json', 'csv'], 'leaderboard');
    const id = args.positionals[0];
    const board = await client().get<Leaderboard>(`/studies/${encodeURIComponent(id)}/leaderboard`, { by, limit });
    if (args.values.json === true) {
      print(JSON.stringify(board, null, 2));
      return EXIT_OK;
    }
    if (args.values.csv === true) {
      io.stdout.write(leaderboardCsv(board));
      return EXIT_OK;
    }
    const floor = board.minAccuracy !== null ? `, accuracy ≥ ${board.minAccuracy}` : '';
    print(`study ${board.studyId} by ${board.by} (${board.direction}${floor})`);
    if (board.items.length === 0) {
      print('no COMPLETE trials yet');
      return EXIT_OK;
    }
    for (const line of formatTable(LEADERBOARD_COLUMNS, board.items)) print(line);
    return EXIT_OK;
  },
};
