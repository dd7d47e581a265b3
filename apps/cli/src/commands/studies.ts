/** `tunefleet studies`, `tunefleet stop <id>`, `tunefleet resume <id>`. */
import { choiceOption, integerOption } from '../args.js';
import type { Study, StudyList } from '../api-types.js';
import type { Command } from '../command.js';
import { EXIT_OK } from '../errors.js';
import { type Column, formatCount, formatTable } from '../format.js';

const STUDY_STATUSES = ['RUNNING', 'STOPPED', 'COMPLETE', 'FAILED'] as const;

const STUDY_COLUMNS: readonly Column<Study>[] = [
  { header: 'id', value: (s) => s.id },
  { header: 'name', value: (s) => (s.name.length > 40 ? `${s.name.slice(0, 39)}…` : s.name) },
  { header: 'status', value: (s) => s.status },
  { header: 'kind', value: (s) => s.kind },
  { header: 'objective', value: (s) => `${s.objective} (${s.direction === 'minimize' ? 'min' : 'max'})` },
  { header: 'trials', value: (s) => formatCount(s.maxTrials), align: 'right' },
  { header: 'created', value: (s) => s.createdAt.replace('T', ' ').slice(0, 19) },
];

export const studies: Command = {
  spec: {
    name: 'studies',
    summary: 'list studies, newest first',
    usage: 'tunefleet studies [--status STATUS] [--limit N] [--json]',
    positionals: [],
    options: { status: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
    optionHelp: [
      `--status S   only studies in status S (${STUDY_STATUSES.join(', ')})`,
      '--limit N    at most N studies, 1–500 (default 50)',
      '--json       the api answer as JSON',
    ],
  },
  async run({ args, client, print }) {
    const raw = typeof args.values.status === 'string' ? args.values.status.toUpperCase() : undefined;
    const status = choiceOption({ status: raw }, 'status', 'studies', STUDY_STATUSES);
    const limit = integerOption(args.values, 'limit', 'studies', 1, 500) ?? 50;
    const list = await client().get<StudyList>('/studies', { status, limit });
    if (args.values.json === true) {
      print(JSON.stringify(list, null, 2));
      return EXIT_OK;
    }
    if (list.items.length === 0) {
      print('no studies');
      return EXIT_OK;
    }
    for (const line of formatTable(STUDY_COLUMNS, list.items)) print(line);
    return EXIT_OK;
  },
};

function statusChange(name: 'stop' | 'resume', summary: string): Command {
  return {
    spec: { name, summary, usage: `tunefleet ${name} <id>`, positionals: ['id'], options: {}, optionHelp: [] },
    async run({ args, client, print }) {
      const study = await client().post<Study>(`/studies/${encodeURIComponent(args.positionals[0])}/${name}`);
      print(`study ${study.id} is ${study.status}`);
      return EXIT_OK;
    },
  };
}

export const stop = statusChange('stop', 'stop a running study (the scheduler fails its open trials)');
export const resume = statusChange('resume', 'resume a stopped study with the same seed');
