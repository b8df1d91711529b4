import type { MnemeErrorCode } from './error-codes.js';
import { MnemeError, type MnemeErrorOptions } from './mneme-error.js';
import { InvalidConfigurationError } from './configuration-error.js';

/** `createGroup` found a group of that name on that stream already. Nothing was changed. */
export class PersistentSubscriptionExistsError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_PERSISTENT_SUBSCRIPTION_EXISTS';

  constructor(
    readonly streamName: string,
    readonly group: string,
    options: MnemeErrorOptions = {},
  ) {
    super(
      `Persistent subscription group '${group}' on '${streamName}' already exists: subscribe to it, update it with updateGroup, or pick another group name.`,
      options,
    );
  }
}

/** The group named does not exist (never created, or deleted). */
export class PersistentSubscriptionNotFoundError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_PERSISTENT_SUBSCRIPTION_NOT_FOUND';

  constructor(
    readonly streamName: string,
    readonly group: string,
    options: MnemeErrorOptions = {},
  ) {
    super(
      `Persistent subscription group '${group}' on '${streamName}' does not exist: create it with createGroup first (check the stream and group names).`,
      options,
    );
  }
}

/** A group's settings (or a consumer's options) are not ones the server accepts. Nothing was changed. */
export class InvalidPersistentSubscriptionSettingsError extends InvalidConfigurationError {
  static override readonly code: MnemeErrorCode = 'MNEME_INVALID_PERSISTENT_SUBSCRIPTION_SETTINGS';
}

/** What ended a consumer's subscription. */
export type PersistentSubscriptionDropReason =
  'group updated' | 'group deleted' | 'subsystem restarted' | 'connection lost';

/** A consumer was dropped by the store: the group was updated, deleted or restarted, or the connection went. */
export class PersistentSubscriptionDroppedError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_PERSISTENT_SUBSCRIPTION_DROPPED';

  constructor(
    readonly streamName: string,
    readonly group: string,
    readonly reason: PersistentSubscriptionDropReason | (string & {}),
    options: MnemeErrorOptions = {},
  ) {
    super(
      `The consumer of persistent subscription group '${group}' on '${streamName}' was dropped (${reason}): subscribe again; ` +
        'the messages it had not acked are delivered again.',
      options,
    );
  }
}

/** The group already has its `maxSubscriberCount` consumers connected. */
export class PersistentSubscriptionMaxSubscribersError extends MnemeError {
  static override readonly code: MnemeErrorCode = 'MNEME_PERSISTENT_SUBSCRIPTION_MAX_SUBSCRIBERS';

  constructor(
    readonly streamName: string,
    readonly group: string,
    readonly maxSubscriberCount: number | undefined,
    options: MnemeErrorOptions = {},
  ) {
    super(
      `Persistent subscription group '${group}' on '${streamName}' already has its maximum of ${maxSubscriberCount ?? 'its'} consumers: ` +
        'wait for one to leave, or raise maxSubscriberCount with updateGroup.',
      options,
    );
  }
}
