/** `tunefleet workers`: the workers the api has heard from, with heartbeat age and liveness. */
import type { WorkerList } from '../api-types.js';
import type { Command } from '../command.js';
import { EXIT_OK } from '../errors.js';
import { type Column, formatDuration, formatTable } from '../format.js';

type Worker = WorkerList['items'][number];

const WORKER_COLUMNS: readonly Column<Worker>[] = [
  { header: 'id', value: (w) => w.id },
  { header: 'host', value: (w) => w.host },
  { header: 'backend', value: (w) => w.backend },
  { header: 'gpu', value: (w) => w.gpu ?? '-' },
  { header: 'alive', value: (w) => (w.alive ? 'yes' : 'no') },
  { header: 'heartbeat', value: (w) => `${formatDuration(w.heartbeatAgeMs)} ago`, align: 'right' },
  { header: 'trial', value: (w) => w.currentTrialId ?? '-' },
];

export const workers: Command = {
  spec: {
    name: 'workers',
    summary: 'the workers, their backends and whether they are alive',
    usage: 'tunefleet workers [--json]',
    positionals: [],
    options: { json: { type: 'boolean' } },
    optionHelp: ['--json       the api answer as JSON'],
  },
  async run({ args, client, print }) {
    const list = await client().get<WorkerList>('/workers');
    if (args.values.json === true) {
      print(JSON.stringify(list, null, 2));
      return EXIT_OK;
    }
    print(`${list.alive} of ${list.items.length} worker${list.items.length === 1 ? '' : 's'} alive (heartbeat within ${formatDuration(list.heartbeatTimeoutMs)})`);
    if (list.items.length > 0) for (const line of formatTable(WORKER_COLUMNS, list.items)) print(line);
    return EXIT_OK;
  },
};
