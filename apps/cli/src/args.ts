/**
 * Command-line parsing with node:util parseArgs: the command is the first argument that is not an
 * option (global options may come before it); the rest is parsed strictly against the global
 * options plus the command's own, so a misspelt option is a usage error, never ignored.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export const GLOBAL_OPTIONS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/** Global options that take a value, so the value is not mistaken for the command. */
const GLOBAL_WITH_VALUE = new Set(['--url', '--api-key']);

export interface CommandSpec {
  readonly name: string;
  /** One line for `tunefleet --help`. */
  readonly summary: string;
  /** `tunefleet leaderboard <id> [--by KEY] …` */
  readonly usage: string;
  /** Names of the positional arguments, all required. */
  readonly positionals: readonly string[];
  readonly options: Options;
  /** Lines under "options:" in `<command> --help`. */
  readonly optionHelp: readonly string[];
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface ParsedCommand {
  readonly values: OptionValues;
  readonly positionals: readonly string[];
  readonly help: boolean;
  readonly url?: string;
  readonly apiKey?: string;
}

/** The command name and the remaining arguments; null when there is no command. */
export function splitCommand(argv: readonly string[]): { command: string | null; rest: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') break;
    if (GLOBAL_WITH_VALUE.has(arg)) {
      i++;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') return { command: arg, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return { command: null, rest: [...argv] };
}

export function parseCommand(spec: CommandSpec, args: readonly string[]): ParsedCommand {
  let parsed: { values: OptionValues; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...args],
      options: { ...GLOBAL_OPTIONS, ...spec.options },
      allowPositionals: true,
      strict: true,
    }) as { values: OptionValues; positionals: string[] };
  } catch (err) {
    // parseArgs's messages name the option ("Unknown option '--bye'"); keep the first sentence.
    throw new UsageError((err as Error).message.split('. ')[0], spec.name);
  }
  const { values, positionals } = parsed;
  const help = values.help === true;
  if (!help) {
    if (positionals.length < spec.positionals.length) {
      const missing = spec.positionals.slice(positionals.length).map((p) => `<${p}>`);
      throw new UsageError(`missing ${missing.join(' ')}: usage: ${spec.usage}`, spec.name);
    }
    if (positionals.length > spec.positionals.length) {
      throw new UsageError(`unexpected argument ${JSON.stringify(positionals[spec.positionals.length])}: usage: ${spec.usage}`, spec.name);
    }
  }
  return {
    values,
    positionals,
    help,
    url: typeof values.url === 'string' ? values.url : undefined,
    apiKey: typeof values['api-key'] === 'string' ? values['api-key'] : undefined,
  };
}

/** A positive integer option (`--limit 20`), within [min, max]; undefined when not given. */
export function integerOption(values: OptionValues, name: string, command: string, min: number, max: number): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const text = String(raw);
  const n = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`, command);
  }
  return n;
}

/** A positive number option (`--interval 0.5`); undefined when not given. */
export function numberOption(values: OptionValues, name: string, command: string, min: number, max: number): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (String(raw).trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max}, got ${JSON.stringify(String(raw))}`, command);
  }
  return n;
}

/** An option restricted to a list of words (`--by vloss`); undefined when not given. */
export function choiceOption<const C extends string>(
  values: OptionValues,
  name: string,
  command: string,
  choices: readonly C[],
): C | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (!choices.includes(raw as C)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(String(raw))}`, command);
  }
  return raw as C;
}

/** At most one of the given boolean flags. */
export function exclusiveFlags(values: OptionValues, names: readonly string[], command: string): void {
  const given = names.filter((n) => values[n] === true);
  if (given.length > 1) throw new UsageError(`${given.map((n) => `--${n}`).join(' and ')} cannot be combined`, command);
}
