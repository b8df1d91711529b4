import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  START,
  binaryEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import { uniqueStream, useKurrentTarget } from './support/kurrent-target.js';
import { SubscriptionProbe, collect, testEvents } from './support/kurrent-client-helpers.js';

/** A link event, as projections write them: type `$>`, data `<revision>@<stream>`. */
const linkTo = (revision: bigint, stream: string) =>
  binaryEvent({ type: '$>', data: Buffer.from(`${revision}@${stream}`) });

describe('resolveLinkTos', () => {
  const kurrent = useKurrentTarget();
  const probes: Array<SubscriptionProbe<unknown>> = [];
  let prefix: string;
  let target: string;
  let links: string;
  let deleted: string;
  let tombstoned: string;
  let truncated: string;

  beforeAll(async () => {
    prefix = uniqueStream('links');
    target = `${prefix}-target`;
    links = `${prefix}-links`;
    deleted = `${prefix}-deleted`;
    await kurrent.client.appendToStream(target, testEvents(3));
    await kurrent.client.appendToStream(deleted, testEvents(1));
    await kurrent.client.deleteStream(deleted);
    tombstoned = `${prefix}-tombstoned`;
    truncated = `${prefix}-truncated`;
    await kurrent.client.appendToStream(tombstoned, testEvents(1));
    await kurrent.client.tombstoneStream(tombstoned);
    await kurrent.client.appendToStream(truncated, testEvents(2));
    await kurrent.client.setStreamMetadata(truncated, { maxCount: 1 });
    await kurrent.client.appendToStream(links, [linkTo(2n, target), linkTo(0n, deleted)]);
  });

  afterEach(async () => {
    await Promise.all(probes.splice(0).map((probe) => probe.close()));
  });

  const targetEvent = async (revision: bigint) =>
    (await collect(kurrent.client.readStream(target, { fromRevision: revision, maxCount: 1 })))[0]!.event!;

  /** The link to `target`@2 resolved, then the link to the deleted stream left unresolved. */
  const expectResolved = async (events: Array<ResolvedEvent | AllStreamResolvedEvent>) => {
    const [resolved, dangling] = events;
    const { id, streamId, revision, type, data, position } = await targetEvent(2n);
    // Not `created`: reads truncate it to whole seconds, subscriptions do not.
    expect(resolved!.event).toMatchObject({ id, streamId, revision, type, data, position });
    expect(resolved!.link).toMatchObject({ streamId: links, revision: 0n, type: '$>' });
    expect(dangling!.event).toBeUndefined();
    expect(dangling!.link).toMatchObject({ streamId: links, revision: 1n, type: '$>' });
  };

  it('leaves links as $> events by default', async () => {
    const [first] = await collect(kurrent.client.readStream(links));

    expect(first!.event).toMatchObject({ streamId: links, type: '$>' });
    expect(Buffer.from(first!.event!.data as Uint8Array).toString()).toBe(`2@${target}`);
    expect(first!.link).toBeUndefined();
  });

  it('resolves links on a stream read, leaving event unset for a link to a deleted stream', async () => {
    await expectResolved(await collect(kurrent.client.readStream(links, { resolveLinkTos: true })));
  });

  it('leaves event unset for links to a tombstoned stream, an event hidden by $maxCount and a missing revision', async () => {
    const stream = `${prefix}-unreadable-links`;
    await kurrent.client.appendToStream(stream, [
      linkTo(0n, tombstoned),
      linkTo(0n, truncated),
      linkTo(1n, truncated),
      linkTo(9n, target),
    ]);

    const events = await collect(kurrent.client.readStream(stream, { resolveLinkTos: true }));

    expect(events.map(({ event, link }) => [event?.streamId, event?.revision, link?.revision])).toEqual([
      [undefined, undefined, 0n],
      [undefined, undefined, 1n],
      [truncated, 1n, 2n],
      [undefined, undefined, 3n],
    ]);
  });

  it('resolves links on a $all read', async () => {
    const events = await collect(
      kurrent.client.readAll({ resolveLinkTos: true, filter: streamNameFilter({ prefixes: [links] }) }),
    );

    await expectResolved(events);
    expect(events[0]!.event!.position).toEqual((await targetEvent(2n)).position);
    expect(events[0]!.link!.position!.commit).toBeGreaterThan(events[0]!.event!.position!.commit);
  });

  it('resolves links in a stream subscription, caught-up and live', async () => {
    const probe = new SubscriptionProbe<ResolvedEvent>(
      kurrent.client.subscribeToStream(links, { fromRevision: START, resolveLinkTos: true }),
    );
    probes.push(probe as SubscriptionProbe<unknown>);
    await probe.untilCaughtUp();
    await kurrent.client.appendToStream(links, linkTo(1n, target));
    await probe.until((p) => p.events.length === 3, 'the live link');

    await expectResolved(probe.events);
    expect(probe.events[2]!.event).toMatchObject({ streamId: target, revision: 1n });
    expect(probe.events[2]!.link).toMatchObject({ streamId: links, revision: 2n });
  });

  it('resolves links in a $all subscription', async () => {
    const other = `${prefix}-other-links`;
    await kurrent.client.appendToStream(other, [linkTo(2n, target), linkTo(0n, deleted)]);
    const probe = new SubscriptionProbe<AllStreamResolvedEvent>(
      kurrent.client.subscribeToAll({
        fromPosition: START,
        resolveLinkTos: true,
        filter: streamNameFilter({ prefixes: [other] }),
      }),
    );
    probes.push(probe as SubscriptionProbe<unknown>);
    await probe.untilCaughtUp();

    const [resolved, dangling] = probe.events;
    expect(resolved!.event).toMatchObject({ streamId: target, revision: 2n });
    expect(resolved!.link).toMatchObject({ streamId: other, revision: 0n, type: '$>' });
    expect(dangling!.event).toBeUndefined();
    expect(dangling!.link).toMatchObject({ streamId: other, revision: 1n });
  });
});
