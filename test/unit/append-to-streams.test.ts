import { describe, expect, it } from '@jest/globals';
import { EventStore, InMemoryEventStore, MultiStreamAppendUnsupportedError, appendToStreams } from 'mneme';

/** A store written before multi-stream appends existed: it implements only the required methods. */
class LegacyStore extends EventStore {
  readonly #inner = new InMemoryEventStore();
  appendToStream: EventStore['appendToStream'] = (...args) => this.#inner.appendToStream(...args);
  readStream: EventStore['readStream'] = (...args) => this.#inner.readStream(...args);
  readAll: EventStore['readAll'] = (...args) => this.#inner.readAll(...args);
  subscribeToAll: EventStore['subscribeToAll'] = (...args) => this.#inner.subscribeToAll(...args);
}

describe(appendToStreams.name, () => {
  it('fails with MultiStreamAppendUnsupportedError, naming the store, when the store has no appendToStreams', async () => {
    const failure = await appendToStreams(new LegacyStore(), [
      { streamName: 's', events: [{ type: 'A', data: {} }] },
    ]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MultiStreamAppendUnsupportedError);
    expect(failure).toMatchObject({
      capability: 'appendToStreams',
      store: 'LegacyStore',
      code: 'MNEME_MULTI_STREAM_APPEND_UNSUPPORTED',
    });
  });

  it("calls the store's own appendToStreams when it has one", async () => {
    const store = new InMemoryEventStore();
    const result = await appendToStreams(store, [{ streamName: 's', events: [{ type: 'A', data: {} }] }]);
    expect(result.streams).toEqual([{ streamName: 's', nextExpectedRevision: 0n }]);
  });
});
