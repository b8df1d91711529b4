/** Failover on an emulator cluster through the official client: the leader fails, a follower takes over. */
import { afterEach, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import {
  CancelledError,
  KurrentDBClient,
  NotLeaderError,
  UnavailableError,
  jsonEvent,
  NO_STREAM,
  type AppendStreamState,
} from '@kurrent/kurrentdb-client';
import { EmulatorNoLeaderError, startKurrentEmulator, type KurrentEmulatorCluster } from '../src/index.js';
import { describeEmulatorOnly, uniqueStream } from './support/kurrent-target.js';
import { readEvents } from './support/kurrent-client-helpers.js';

const transient = (error: unknown) =>
  error instanceof UnavailableError || error instanceof NotLeaderError || error instanceof CancelledError;

/** Appends one event, sending it again (same id, same expected revision) while the cluster fails over. */
async function appendThroughFailover(
  client: KurrentDBClient,
  stream: string,
  id: string,
  streamState: AppendStreamState,
  attempts: { count: number },
  onFailure: () => void = () => undefined,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.appendToStream(stream, jsonEvent({ id, type: 'Numbered', data: { id } }), { streamState });
      return;
    } catch (error) {
      if (!transient(error) || attempt === 50) throw error;
      attempts.count += 1;
      onFailure();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

describeEmulatorOnly('failover on an emulator cluster', () => {
  let cluster: KurrentEmulatorCluster | undefined;
  afterEach(() => cluster?.close());

  it('a stream of appends through a failover loses none and stores none twice; the client moves to the new leader', async () => {
    cluster = await startKurrentEmulator({ nodes: 3, electionDelayMs: 200, rejoinDelayMs: 600_000 });
    const oldLeader = cluster.leader!;
    const client = KurrentDBClient.connectionString(cluster.connectionString);
    const stream = uniqueStream('failover');
    const ids = Array.from({ length: 40 }, () => randomUUID());
    const retried = { count: 0 };
    try {
      for (const [index, id] of ids.entries()) {
        const streamState = index === 0 ? NO_STREAM : BigInt(index - 1);
        if (index !== 15) {
          await appendThroughFailover(client, stream, id, streamState, retried);
          continue;
        }
        // The leader stores this one and dies before it answers: the re-send goes to the new leader.
        cluster.injectFaults({ kind: 'drop-after-write' });
        let failed = false;
        await appendThroughFailover(client, stream, id, streamState, retried, () => {
          if (!failed) cluster!.failLeader();
          failed = true;
        });
      }
    } finally {
      await client.dispose();
    }
    expect(cluster.pendingFaults).toBe(0);
    const newLeader = cluster.leader!;
    expect(newLeader.index).not.toBe(oldLeader.index);
    expect(oldLeader.state).toBe('down');
    // The appends after the failure reached the new leader, and the client got there by itself.
    expect(retried.count).toBeGreaterThan(0);
    expect(newLeader.rpcLog.filter((path) => path.endsWith('/BatchAppend')).length).toBeGreaterThan(0);
    const stored = await withClient(newLeader.connectionString, (reader) => readEvents(reader, stream));
    expect(stored.map((event) => event!.id)).toEqual(ids);
  });

  it('the failed leader rejoins as a follower and sends writes that require the leader to the new leader', async () => {
    cluster = await startKurrentEmulator({ nodes: 3, electionDelayMs: 0, rejoinDelayMs: 600_000 });
    const oldLeader = cluster.failLeader();
    expect(() => cluster!.failLeader()).toThrow(EmulatorNoLeaderError);
    const newLeader = await cluster.whenLeaderElected();
    await cluster.rejoin();

    expect(oldLeader.state).toBe('follower');
    expect(cluster.nodes.map((node) => node.state).sort()).toEqual(['follower', 'follower', 'leader']);
    const refused = withClient(oldLeader.connectionString, (client) =>
      client.appendToStream(uniqueStream('rejoined'), jsonEvent({ type: 'Late', data: {} }), { requiresLeader: true }),
    );
    await expect(refused).rejects.toMatchObject({ type: 'not-leader', leader: { port: newLeader.port } });
  });

  it('discovery after a failover finds the new leader, never the failed node', async () => {
    cluster = await startKurrentEmulator({ nodes: 3, electionDelayMs: 0, rejoinDelayMs: 600_000 });
    const oldLeader = cluster.failLeader();
    const newLeader = await cluster.whenLeaderElected();
    cluster.clearRpcLogs();

    const seed = cluster.nodes.find((node) => node.state === 'follower')!;
    await withClient(`kurrentdb+discover://127.0.0.1:${seed.port}?tls=false&discoveryInterval=1`, (client) =>
      client.appendToStream(uniqueStream('after-failover'), jsonEvent({ type: 'Found', data: {} })),
    );
    expect(newLeader.rpcLog.filter((path) => path.endsWith('/BatchAppend'))).toHaveLength(1);
    expect(oldLeader.rpcLog.filter((path) => path.endsWith('/BatchAppend'))).toHaveLength(0);
  });
});

async function withClient<T>(connectionString: string, use: (client: KurrentDBClient) => Promise<T>): Promise<T> {
  const client = KurrentDBClient.connectionString(connectionString);
  try {
    return await use(client);
  } finally {
    await client.dispose();
  }
}
