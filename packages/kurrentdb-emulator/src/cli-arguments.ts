/** The `kurrentdb-emulator` command line: flags to emulator options, or what is wrong with them. */
import { InvalidEmulatorOptionError } from './emulator-errors.js';
import { CLUSTER_OPTION_RULES, checkEmulatorOptions } from './emulator-options.js';
import type { KurrentEmulatorClusterOptions } from './cluster.js';
import type { KurrentEmulatorOptions } from './emulator.js';

export const USAGE = `Usage: kurrentdb-emulator [--port <port>] [--host <host>] [--data <dir> | --cluster <nodes>]

Starts a KurrentDB emulator, insecure (tls=false), prints its connection string and runs until
stopped (Ctrl-C, SIGINT or SIGTERM: calls being answered finish, then it exits with 0).

  --port <port>   the port to listen on, 0 for a free one (default 2113)
  --host <host>   the address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
  --data <dir>    keep the log in this directory across restarts (default: in memory only)
  --cluster <n>   run n nodes (1 to 9) on consecutive ports from --port, one leader and followers
                  over one log in memory; prints the multi-host connection string
  --help          this message`;

/** The port KurrentDB listens on by default. */
const DEFAULT_PORT = 2113;

export type CliCommand =
  | { readonly kind: 'start'; readonly options: KurrentEmulatorOptions }
  | { readonly kind: 'start-cluster'; readonly options: KurrentEmulatorClusterOptions }
  | { readonly kind: 'help' }
  | { readonly kind: 'usage-error'; readonly message: string };

type FlagOption = 'port' | 'host' | 'dataDir' | 'nodes';
type Flag = { readonly option: FlagOption; readonly parse: (text: string) => unknown };

const FLAGS: Readonly<Record<string, Flag>> = {
  '--port': { option: 'port', parse: (text) => (/^\d+$/.test(text) ? Number(text) : text) },
  '--host': { option: 'host', parse: (text) => text },
  '--data': { option: 'dataDir', parse: (text) => text },
  '--cluster': { option: 'nodes', parse: (text) => (/^\d+$/.test(text) ? Number(text) : text) },
};

const FLAG_OF: Readonly<Record<string, string>> = {
  port: '--port',
  host: '--host',
  dataDir: '--data',
  nodes: '--cluster',
};

export function parseCliArguments(argv: readonly string[]): CliCommand {
  const options: Partial<Record<FlagOption, unknown>> = {};
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i]!;
    if (argument === '--help' || argument === '-h') return { kind: 'help' };
    const [flag, inline] = splitFlag(argument);
    const known = FLAGS[flag];
    if (!known) return { kind: 'usage-error', message: `unknown argument '${argument}'` };
    const text = inline ?? argv[++i];
    if (text === undefined || (inline === undefined && text.startsWith('--'))) {
      return { kind: 'usage-error', message: `${flag} needs a value` };
    }
    if (options[known.option] !== undefined) return { kind: 'usage-error', message: `${flag} is given twice` };
    options[known.option] = known.parse(text);
  }
  const cluster = options.nodes !== undefined;
  if (cluster && options.dataDir !== undefined) {
    return { kind: 'usage-error', message: '--data cannot be used with --cluster: a cluster keeps its log in memory' };
  }
  const resolved = { port: DEFAULT_PORT, ...options };
  try {
    checkEmulatorOptions(resolved, cluster ? CLUSTER_OPTION_RULES : undefined);
  } catch (error) {
    if (!(error instanceof InvalidEmulatorOptionError)) throw error;
    return { kind: 'usage-error', message: `${FLAG_OF[error.option] ?? error.option}: ${error.reason}` };
  }
  return cluster
    ? { kind: 'start-cluster', options: resolved as KurrentEmulatorClusterOptions }
    : { kind: 'start', options: resolved as KurrentEmulatorOptions };
}

/** `--port=2113` or `--port 2113`. */
function splitFlag(argument: string): [flag: string, inline: string | undefined] {
  const equals = argument.indexOf('=');
  return argument.startsWith('--') && equals > 0
    ? [argument.slice(0, equals), argument.slice(equals + 1)]
    : [argument, undefined];
}
