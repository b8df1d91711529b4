/** A cluster of three emulator nodes through the official client: discovery, node preference, not-leader. */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import {
  KurrentDBClient,
  NotLeaderError,
  StreamDeletedError,
  StreamNotFoundError,
  jsonEvent,
  persistentSubscriptionToStreamSettingsFromDefaults,
} from '@kurrent/kurrentdb-client';
import { startKurrentEmulator, type KurrentEmulatorCluster, type KurrentEmulatorNode } from '../src/index.js';
import { describeEmulatorOnly, uniqueStream } from './support/kurrent-target.js';
import { readEvents } from './support/kurrent-client-helpers.js';

const STREAMS = '/event_store.client.streams.Streams/';
const isWrite = (path: string) => path === `${STREAMS}BatchAppend` || path === `${STREAMS}Append`;

/** A client on `connectionString`, disposed after `use`. */
async function withClient<T>(connectionString: string, use: (client: KurrentDBClient) => Promise<T>): Promise<T> {
  const client = KurrentDBClient.connectionString(connectionString);
  try {
    return await use(client);
  } finally {
    await client.dispose();
  }
}

const callsTo = (node: KurrentEmulatorNode, accepts: (path: string) => boolean) => node.rpcLog.filter(accepts).length;

describeEmulatorOnly('an emulator cluster of three nodes', () => {
  let cluster: KurrentEmulatorCluster;
  beforeAll(async () => {
    cluster = await startKurrentEmulator({ nodes: 3, followerLagMs: 0 });
  });
  afterAll(() => cluster.close());

  const leader = () => cluster.leader!;
  const followers = () => cluster.nodes.filter((node) => node.state === 'follower');

  it('starts one leader and two followers on three ports', () => {
    expect(cluster.nodes.map((node) => node.state)).toEqual(['leader', 'follower', 'follower']);
    expect(new Set(cluster.nodes.map((node) => node.port)).size).toBe(3);
    expect(cluster.connectionString).toBe(
      `kurrentdb://${cluster.nodes.map((node) => `127.0.0.1:${node.port}`).join(',')}?tls=false&discoveryInterval=1`,
    );
  });

  it.each([0, 1, 2])(
    'discovery through node %i gossip finds the leader: the write lands there first time',
    async (index) => {
      const seed = cluster.nodes[index]!;
      cluster.clearRpcLogs();
      const stream = uniqueStream('discover');
      await withClient(`kurrentdb+discover://127.0.0.1:${seed.port}?tls=false&discoveryInterval=1`, (client) =>
        client.appendToStream(stream, jsonEvent({ type: 'Discovered', data: {} })),
      );
      expect(seed.rpcLog).toContain('/event_store.client.gossip.Gossip/Read');
      expect(callsTo(leader(), isWrite)).toBe(1);
      for (const follower of followers()) expect(callsTo(follower, isWrite)).toBe(0);
    },
  );

  it('a multi-host connection string finds the leader', async () => {
    cluster.clearRpcLogs();
    const stream = uniqueStream('multi-host');
    const result = await withClient(cluster.connectionString, (client) =>
      client.appendToStream(stream, jsonEvent({ type: 'Found', data: {} })),
    );
    expect(result.success).toBe(true);
    expect(callsTo(leader(), isWrite)).toBe(1);
  });

  it.each([
    ['follower', (node: KurrentEmulatorNode) => node.state === 'follower'],
    ['leader', (node: KurrentEmulatorNode) => node.state === 'leader'],
  ] as const)('nodePreference=%s routes reads to such a node', async (preference, expected) => {
    const stream = uniqueStream('preference');
    await withClient(cluster.connectionString, (client) =>
      client.appendToStream(stream, jsonEvent({ type: 'Seen', data: {} })),
    );
    cluster.clearRpcLogs();
    const events = await withClient(`${cluster.connectionString}&nodePreference=${preference}`, (client) =>
      readEvents(client, stream),
    );
    expect(events).toHaveLength(1);
    const readers = cluster.nodes.filter((node) => callsTo(node, (path) => path === `${STREAMS}Read`) > 0);
    expect(readers.length).toBeGreaterThan(0);
    for (const node of readers) expect(expected(node)).toBe(true);
  });

  it('nodePreference=random spreads clients over the nodes', async () => {
    const stream = uniqueStream('random');
    await withClient(cluster.connectionString, (client) =>
      client.appendToStream(stream, jsonEvent({ type: 'Seen', data: {} })),
    );
    cluster.clearRpcLogs();
    // Twelve clients on one node by chance: 3 × (1/3)^12, about one run in 177,000.
    for (let i = 0; i < 12; i++) {
      await withClient(`${cluster.connectionString}&nodePreference=random`, (client) => readEvents(client, stream));
    }
    const readers = cluster.nodes.filter((node) => callsTo(node, (path) => path === `${STREAMS}Read`) > 0);
    expect(readers.length).toBeGreaterThan(1);
  });

  it('a write sent to a follower is forwarded to the leader: it is stored once, and reads on the leader see it', async () => {
    const stream = uniqueStream('forwarded');
    const event = jsonEvent({ id: randomUUID(), type: 'Forwarded', data: {} });
    const follower = followers()[0]!;
    cluster.clearRpcLogs();
    await withClient(follower.connectionString, (client) => client.appendToStream(stream, event));
    // The follower took the write itself (a single-host client has no one else to send it to).
    expect(callsTo(follower, isWrite)).toBeGreaterThan(0);
    const stored = await withClient(leader().connectionString, (client) => readEvents(client, stream));
    expect(stored.map((recorded) => recorded!.id)).toEqual([event.id]);
  });

  it('a delete and a tombstone sent to a follower are forwarded to the leader', async () => {
    const [deleted, tombstoned] = [uniqueStream('forwarded-delete'), uniqueStream('forwarded-tombstone')];
    await withClient(cluster.connectionString, async (client) => {
      await client.appendToStream(deleted, jsonEvent({ type: 'Doomed', data: {} }));
      await client.appendToStream(tombstoned, jsonEvent({ type: 'Doomed', data: {} }));
    });
    await withClient(followers()[0]!.connectionString, async (client) => {
      await client.deleteStream(deleted);
      await client.tombstoneStream(tombstoned);
    });
    await withClient(leader().connectionString, async (client) => {
      await expect(readEvents(client, deleted)).rejects.toBeInstanceOf(StreamNotFoundError);
      await expect(readEvents(client, tombstoned)).rejects.toBeInstanceOf(StreamDeletedError);
    });
  });

  it('a write that requires the leader, sent to a follower, answers NotLeader with the leader address; the client follows it', async () => {
    const stream = uniqueStream('to-follower');
    const event = jsonEvent({ id: randomUUID(), type: 'Redirected', data: {} });
    const follower = followers()[0]!;
    await withClient(follower.connectionString, async (client) => {
      const refused = client.appendToStream(stream, event, { requiresLeader: true });
      await expect(refused).rejects.toBeInstanceOf(NotLeaderError);
      await expect(refused).rejects.toMatchObject({ leader: { address: '127.0.0.1', port: leader().port } });
      // The client has reconnected to the leader: the same write now lands there, once.
      await client.appendToStream(stream, event, { requiresLeader: true });
    });
    const stored = await withClient(leader().connectionString, (client) => readEvents(client, stream));
    expect(stored.map((recorded) => recorded!.id)).toEqual([event.id]);
  });

  it('a read that requires the leader is refused by a follower and served by the leader', async () => {
    const stream = uniqueStream('requires-leader');
    await withClient(cluster.connectionString, (client) =>
      client.appendToStream(stream, jsonEvent({ type: 'Led', data: {} })),
    );
    const follower = followers()[0]!;
    cluster.clearRpcLogs();
    // A follower preference, so that only the option asks for the leader.
    await withClient(`${follower.connectionString}&nodePreference=follower`, async (client) => {
      const first = await readEvents(client, stream, { requiresLeader: true }).catch((error: unknown) => error);
      // Either the client followed the not-leader answer itself, or it reports it and has reconnected.
      if (first instanceof Error) expect(first).toBeInstanceOf(NotLeaderError);
      const events = first instanceof Error ? await readEvents(client, stream, { requiresLeader: true }) : first;
      expect(events).toHaveLength(1);
    });
    expect(callsTo(follower, (path) => path === `${STREAMS}Read`)).toBeGreaterThan(0);
    expect(callsTo(leader(), (path) => path === `${STREAMS}Read`)).toBeGreaterThan(0);
  });

  it('persistent subscription groups live on the leader: a follower answers NotLeader, the leader creates the group', async () => {
    const stream = uniqueStream('group');
    const follower = followers()[0]!;
    await withClient(follower.connectionString, async (client) => {
      const refused = client.createPersistentSubscriptionToStream(
        stream,
        'workers',
        persistentSubscriptionToStreamSettingsFromDefaults(),
      );
      await expect(refused).rejects.toBeInstanceOf(NotLeaderError);
      // Reconnected to the leader: the same call now creates the group.
      await client.createPersistentSubscriptionToStream(
        stream,
        'workers',
        persistentSubscriptionToStreamSettingsFromDefaults(),
      );
    });
    const groups = await withClient(cluster.connectionString, (client) =>
      client.listPersistentSubscriptionsToStream(stream),
    );
    expect(groups.map((group) => group.groupName)).toEqual(['workers']);
  });

  it('a follower serves a read that does not require the leader itself', async () => {
    const stream = uniqueStream('follower-read');
    await withClient(cluster.connectionString, (client) =>
      client.appendToStream(stream, jsonEvent({ type: 'Local', data: {} })),
    );
    const follower = followers()[0]!;
    cluster.clearRpcLogs();
    const events = await withClient(`${follower.connectionString}&nodePreference=follower`, (client) =>
      readEvents(client, stream),
    );
    expect(events).toHaveLength(1);
    expect(callsTo(leader(), (path) => path === `${STREAMS}Read`)).toBe(0);
  });
});

describeEmulatorOnly('a cluster whose followers lag', () => {
  let cluster: KurrentEmulatorCluster;
  beforeAll(async () => {
    // Far longer than the test: what the leader commits now is not on a follower during it.
    cluster = await startKurrentEmulator({ nodes: 3, followerLagMs: 600_000 });
  });
  afterAll(() => cluster.close());

  it('a follower read is stale while a leader read is current', async () => {
    const stream = uniqueStream('lagged');
    await withClient(cluster.connectionString, (client) =>
      client.appendToStream(stream, jsonEvent({ type: 'Fresh', data: {} })),
    );
    const fromLeader = await withClient(`${cluster.connectionString}&nodePreference=leader`, (client) =>
      readEvents(client, stream),
    );
    const fromFollower = withClient(`${cluster.connectionString}&nodePreference=follower`, (client) =>
      readEvents(client, stream),
    );
    expect(fromLeader).toHaveLength(1);
    await expect(fromFollower).rejects.toBeInstanceOf(StreamNotFoundError);
  });
});
