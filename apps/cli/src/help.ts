/** Help texts, built from the commands' own specs so they cannot drift from what is parsed. */
import type { Command } from './command.js';
import { API_KEY_ENV, DEFAULT_URL, URL_ENV } from './config.js';

const GLOBAL_HELP = [
  `--url URL       the api (default: ${URL_ENV}, else ${DEFAULT_URL})`,
  `--api-key KEY   Bearer key for the api (default: ${API_KEY_ENV})`,
  '-h, --help      help; `tunefleet <command> --help` for one command',
];

export function mainHelp(commands: readonly Command[]): string[] {
  const width = Math.max(...commands.map((c) => c.spec.name.length));
  return [
    'tunefleet: submit and follow hyperparameter-tuning studies on a Tunefleet api',
    '',
    'usage: tunefleet <command> [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.spec.name.padEnd(width)}  ${c.spec.summary}`),
    '',
    'options:',
    ...alignOptions(GLOBAL_HELP),
    '',
    'exit status: 0 ok, 1 the api failed or refused, 2 bad arguments or an invalid study file',
  ];
}

/** Option lines (`--by KEY   rank by …`) with their descriptions in one column. */
function alignOptions(lines: readonly string[]): string[] {
  const split = lines.map((l) => {
    const match = /^(\S.*?)\s{2,}(.*)$/.exec(l);
    return match ? [match[1], match[2]] : [l, ''];
  });
  const width = Math.max(...split.map(([name]) => name.length));
  return split.map(([name, text]) => `  ${name.padEnd(width)}  ${text}`.trimEnd());
}

export function commandHelp(command: Command): string[] {
  return [`usage: ${command.spec.usage}`, '', command.spec.summary, '', 'options:', ...alignOptions([...command.spec.optionHelp, ...GLOBAL_HELP])];
}
