import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Container } from 'inversify';
import {
  Aggregate,
  AggregateId,
  AggregateRepository,
  AggregateRoot,
  Apply,
  CommandBus,
  EventType,
  Handles,
  InMemoryEventStore,
  On,
  Projection,
  ProjectionRunner,
  Upcast,
  mnemeModule,
} from 'mneme';

/** Renamed from 'Shop.ItemAdded' (stored as such by the old app, at schema version 1: { sku }). */
@EventType('Shop.LineAdded', { version: 2, aliases: ['Shop.ItemAdded'] })
class LineAdded {
  @Upcast(1) static fromV1(v1: { sku: string }) {
    return { sku: v1.sku, quantity: 1 };
  }
  constructor(
    readonly sku = '',
    readonly quantity = 0,
  ) {}
}

class AddLine {
  @AggregateId() cartId: string;
  constructor(
    cartId: string,
    readonly sku: string,
    readonly quantity: number,
  ) {
    this.cartId = cartId;
  }
}

@Aggregate({ category: 'Cart' })
class Cart extends AggregateRoot {
  lines: string[] = [];
  @Apply(LineAdded) onLine(event: LineAdded) {
    this.lines.push(`${event.sku}x${event.quantity}`);
  }
  @Handles(AddLine) add(command: AddLine) {
    return new LineAdded(command.sku, command.quantity);
  }
}
@Projection({ name: 'lines-by-category', from: { categories: ['Cart'] } })
class LinesByCategory {
  readonly lines: string[] = [];
  @On(LineAdded) onLine(event: LineAdded) {
    this.lines.push(`${event.constructor.name}:${event.sku}x${event.quantity}`);
  }
}

@Projection({ name: 'lines-everywhere', from: 'all' })
class LinesEverywhere {
  readonly lines: string[] = [];
  @On(LineAdded) onLine(event: LineAdded) {
    this.lines.push(`${event.constructor.name}:${event.sku}x${event.quantity}`);
  }
}

describe('projections over renamed and older events', () => {
  it('gives @On handlers (category and from: all) the events stored under an alias and an older version, upcast, as @Apply gets them', async () => {
    const store = new InMemoryEventStore();
    // The old app: the type's former name, schema version 1 (no schemaVersion metadata).
    await store.appendToStream('Cart-c1', [{ type: 'Shop.ItemAdded', data: { sku: 'tea' } }]);
    const container = new Container();
    container.load(mnemeModule({ aggregates: [Cart], eventStore: store }));
    await container.get(CommandBus).execute(new AddLine('c1', 'jam', 3));

    const cart = await container.get(AggregateRepository).load(Cart, 'c1');
    expect(cart.lines).toEqual(['teax1', 'jamx3']);

    const byCategory = new LinesByCategory();
    const everywhere = new LinesEverywhere();
    const runner = new ProjectionRunner(store, [byCategory, everywhere]);
    await runner.start();
    await runner.catchUp();
    await runner.stop();
    expect(byCategory.lines).toEqual(['LineAdded:teax1', 'LineAdded:jamx3']);
    expect(everywhere.lines).toEqual(['LineAdded:teax1', 'LineAdded:jamx3']);
  });
});
