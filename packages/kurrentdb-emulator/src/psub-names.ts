/** The names a KurrentDB node gives a subscription group and the streams it writes for it. */

export const ALL_STREAM = '$all';

/** `<stream>::<group>`: the subscription id, the key of every group-owned stream. */
export const groupKey = (source: string, group: string): string => `${source}::${group}`;

/** Holds `$SubscriptionCheckpoint` events: the position the group resumes after. */
export const checkpointStreamOf = (key: string): string => `$persistentsubscription-${key}-checkpoint`;

/** Holds a `$>` link to each parked event; `$tb` on its metadata marks what was replayed. */
export const parkedStreamOf = (key: string): string => `$persistentsubscription-${key}-parked`;

/** Where the node saves every group's settings (`$PersistentConfig`, maxCount 2). */
export const CONFIG_STREAM = '$persistentSubscriptionConfig';

const SERVICE = 'event_store.client.persistent_subscriptions.persistentsubscriptions';

/** What a 24.10 node advertises for the service: every method for streams and `$all`. */
export const persistentSubscriptionMethods: Array<[service: string, method: string, features: string[]]> = [
  ...['create', 'update', 'delete', 'read', 'getinfo', 'replayparked', 'list'].map(
    (method): [string, string, string[]] => [SERVICE, method, ['stream', 'all']],
  ),
  [SERVICE, 'restartsubsystem', []],
];
