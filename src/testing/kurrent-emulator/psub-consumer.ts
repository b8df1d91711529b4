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
}

export const availableSlots = (consumer: Consumer): number => Math.max(0, consumer.capacity - consumer.inFlight.size);
