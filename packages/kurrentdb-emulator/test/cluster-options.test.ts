/** What startKurrentEmulator({ nodes }) refuses before anything listens. */
import { describe, expect, it } from '@jest/globals';
import {
  InvalidEmulatorOptionError,
  startKurrentEmulator,
  startKurrentEmulatorCluster,
  type KurrentEmulatorClusterOptions,
} from '../src/index.js';

const refusal = (options: unknown) =>
  startKurrentEmulatorCluster(options as KurrentEmulatorClusterOptions).catch((error: unknown) => error);

describe('cluster options', () => {
  it.each([
    [{ nodes: 0 }, 'nodes', 'expected an integer from 1 to 9, got 0'],
    [{ nodes: 10 }, 'nodes', 'expected an integer from 1 to 9, got 10'],
    [{ nodes: 3, electionDelayMs: -1 }, 'electionDelayMs', 'expected an integer >= 0, got -1'],
    [{ nodes: 3, followerLagMs: '5' }, 'followerLagMs', 'expected an integer >= 0, got "5"'],
    [{ nodes: 3, electionDelay: 5 }, 'electionDelay', "did you mean 'electionDelayMs'?"],
    [{ nodes: 3, dataDir: '/tmp/x' }, 'dataDir', 'a cluster keeps its log in memory'],
  ])('refuses %j with InvalidEmulatorOptionError naming %s', async (options, option, reason) => {
    const error = await refusal(options);
    expect(error).toBeInstanceOf(InvalidEmulatorOptionError);
    expect(error).toMatchObject({ option });
    expect((error as InvalidEmulatorOptionError).reason).toContain(reason);
  });

  it('startKurrentEmulator with nodes starts a cluster; without, a single node', async () => {
    const cluster = await startKurrentEmulator({ nodes: 2 });
    const single = await startKurrentEmulator();
    try {
      expect(cluster.nodes.map((node) => node.state)).toEqual(['leader', 'follower']);
      expect('nodes' in single).toBe(false);
    } finally {
      await Promise.all([cluster.close(), single.close()]);
    }
  });
});
