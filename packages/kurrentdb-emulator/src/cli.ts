#!/usr/bin/env node
/**
 * `kurrentdb-emulator`: the emulator as a server of its own, for clients in any language. Prints the
 * connection string on stdout (one line, nothing else), messages on stderr. Exit codes: 0 after a
 * stop by SIGINT or SIGTERM, 1 when it cannot start, 2 for a usage error.
 */
import { USAGE, parseCliArguments } from './cli-arguments.js';
import { KurrentEmulatorError, hostPort } from './emulator-errors.js';

/** How long a stop waits for the calls being answered before it cancels them. */
const DRAIN_MS = 5000;

async function main(argv: readonly string[]): Promise<number | undefined> {
  const command = parseCliArguments(argv);
  if (command.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command.kind === 'usage-error') {
    process.stderr.write(`kurrentdb-emulator: ${command.message}\n\n${USAGE}\n`);
    return 2;
  }
  // Loaded here, so that a missing optional peer gets a sentence rather than a stack trace.
  const grpc = await import('@grpc/grpc-js').catch(() => undefined);
  if (!grpc) {
    process.stderr.write(
      'kurrentdb-emulator: @grpc/grpc-js is not installed; install it beside the package (npm install -D @grpc/grpc-js)\n',
    );
    return 1;
  }
  // The emulator reports its own failures; grpc-js would print a second, rawer line for each.
  grpc.setLogVerbosity(grpc.logVerbosity.NONE);
  const { startKurrentEmulator } = await import('./start-emulator.js');
  let emulator;
  try {
    emulator = await (command.kind === 'start-cluster'
      ? startKurrentEmulator(command.options)
      : startKurrentEmulator(command.options));
  } catch (error) {
    if (!KurrentEmulatorError.is(error)) throw error;
    process.stderr.write(`kurrentdb-emulator: ${(error as Error).message}\n`);
    return 1;
  }
  const running = emulator;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`kurrentdb-emulator: ${signal}, stopping\n`);
    void running.close({ drainMs: DRAIN_MS }).then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if ('nodes' in running) {
    const nodes = running.nodes.map((node) => `${hostPort(node.host, node.port)} (${node.state})`).join(', ');
    process.stderr.write(`kurrentdb-emulator: cluster listening on ${nodes} (insecure, in memory); stop with Ctrl-C\n`);
    process.stdout.write(`${running.connectionString}\n`);
    return undefined;
  }
  const where =
    command.kind === 'start' && command.options.dataDir !== undefined
      ? `log in ${command.options.dataDir}`
      : 'in memory';
  process.stderr.write(
    `kurrentdb-emulator: listening on ${hostPort(running.host, running.port)} (insecure, ${where}); stop with Ctrl-C\n`,
  );
  const recovery = running.recovery;
  if (recovery && recovery.commits > 0) {
    const dropped = recovery.droppedBytes > 0 ? `; dropped a torn last commit (${recovery.droppedBytes} bytes)` : '';
    process.stderr.write(
      `kurrentdb-emulator: read back ${recovery.commits} commits (${recovery.records} records)${dropped}\n`,
    );
  }
  process.stdout.write(`${running.connectionString}\n`);
  return undefined; // the server keeps the process alive until a signal
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `kurrentdb-emulator: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
