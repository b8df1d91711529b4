/** One connected member of a subscription group: a `PersistentSubscriptions/Read` call. */

export interface Consumer {
  /** The subscription's correlation id, unique per Read call. */
  readonly id: string;
  /** The `bufferSize` the client asked for: how many unacked messages it may hold. */
  readonly capacity: number;
  /** Ids (as the client acks them) of the messages it holds. */
  readonly inFlight: Set<string>;
  readonly from: string;
  readonly username: string;
  readonly connectionName: string;
  totalItems: number;
  /** Milliseconds from delivery to ack, kept only for groups with extraStatistics. */
  readonly ackLatencies: number[];
}

export const availableSlots = (consumer: Consumer): number => Math.max(0, consumer.capacity - consumer.inFlight.size);

/** The server's ObservedTimingMeasurement keys (extraStatistics), over the ack latencies in ms. */
export function latencyMeasurements(consumer: Consumer): Array<[key: string, value: number]> {
  const sorted = [...consumer.ackLatencies].sort((a, b) => a - b);
  const at = (fraction: number) =>
    sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
  const mean = sorted.length === 0 ? 0 : Math.round(sorted.reduce((sum, value) => sum + value, 0) / sorted.length);
  return [
    ['Mean', mean],
    ['Median', at(0.5)],
    ['Fastest', sorted[0] ?? 0],
    ...[1, 2, 3, 4, 5].map((q): [string, number] => [`Quintile ${q}`, at(q / 5 - 0.0001)]),
    ...[0.9, 0.95, 0.99, 0.995, 0.999, 0.9999, 0.99999, 0.999999, 0.9999999].map((p): [string, number] => [
      `${Number((p * 100).toFixed(5))}%`,
      at(p),
    ]),
    ['Highest', sorted[sorted.length - 1] ?? 0],
  ];
}
