/** Sizes of one `npm run bench`; `--quick` shrinks everything for a smoke run. */
export interface BenchSettings {
  quick: boolean;
  /** Rounds of alternation (every variant measured once per round). */
  rounds: number;
  /** mitata's time budget per variant per round, for repeatable operations. */
  sliceMs: number;
  replayEvents: number;
  commands: number;
  accounts: number;
  contentionClients: number;
  commandsPerClient: number;
  contentionRounds: number;
  /** The Kurrent path is dominated by gRPC and the emulator, so it needs more rounds for a stable ratio. */
  kurrentRounds: number;
  kurrentAppends: number;
  kurrentReadLength: number;
  kurrentCommands: number;
  memoryLengths: number[];
}

export function benchSettings(argv: readonly string[]): BenchSettings {
  const quick = argv.includes('--quick');
  return quick
    ? {
        quick,
        rounds: 2,
        sliceMs: 50,
        replayEvents: 10_000,
        commands: 1_000,
        accounts: 100,
        contentionClients: 8,
        commandsPerClient: 25,
        contentionRounds: 1,
        kurrentRounds: 2,
        kurrentAppends: 50,
        kurrentReadLength: 500,
        kurrentCommands: 20,
        memoryLengths: [10_000, 50_000, 100_000],
      }
    : {
        quick,
        rounds: 5,
        sliceMs: 300,
        replayEvents: 10_000,
        commands: 10_000,
        accounts: 1_000,
        contentionClients: 8,
        commandsPerClient: 200,
        contentionRounds: 3,
        kurrentRounds: 9,
        kurrentAppends: 200,
        kurrentReadLength: 2_000,
        kurrentCommands: 30,
        memoryLengths: [100_000, 500_000, 1_000_000],
      };
}
