import { describe, expect, it } from '@jest/globals';
import * as root from 'mneme';
import * as kurrent from 'mneme/kurrent';
import * as testing from 'mneme/testing';
import * as nestjs from 'mneme/nestjs';

// The runtime exports of each entry, on purpose: adding one is a decision, so it means editing a
// list here (types are checked by the README and the tests that use them).
const ROOT_ERRORS = [
  'AggregateAlreadyExistsError',
  'AggregateNotFoundError',
  'ConcurrencyError',
  'DomainError',
  'DuplicateEventTypeError',
  'DuplicateHandlerError',
  'EventStoreError',
  'EventStoreUnavailableError',
  'EventTooLargeError',
  'HandlerNotFoundError',
  'InvalidAggregateError',
  'InvalidAggregateIdError',
  'InvalidConfigurationError',
  'InvalidConnectionStringError',
  'InvalidEventError',
  'InvalidExpectedRevisionError',
  'InvalidStreamNameError',
  'MaxRetriesExceededError',
  'MnemeError',
  'StreamDeletedError',
  'UnknownEventTypeError',
  'EventDeserializationError',
  'InvalidEventSchemaError',
  'TransientRetriesExceededError',
  'CommandTimeoutError',
  'InvalidDecoratorError',
  'InvalidCommandError',
  'StateNotCopyableError',
  'EventStoreTimeoutError',
  'InvalidCheckpointError',
  'InvalidProjectionError',
  'InvalidReadAllOptionsError',
  'InvalidReadOptionsError',
  'ProjectionFailedError',
  'ProjectionRunnerNotRunningError',
  'SnapshotStateError',
  'UnreadableSnapshotError',
  'ProjectionTimeoutError',
  'CheckpointAheadOfLogError',
  'CompetingConsumersUnsupportedError',
  'ProjectionNotCompetingError',
  'InvalidProcessManagerError',
  'CommandOutsideWindowError',
  'MultiStreamConcurrencyError',
  'InvalidMultiStreamAppendError',
  'MultiStreamAppendUnsupportedError',
  'InvalidPersistentSubscriptionSettingsError',
  'PersistentSubscriptionDroppedError',
  'PersistentSubscriptionExistsError',
  'PersistentSubscriptionMaxSubscribersError',
  'PersistentSubscriptionNotFoundError',
  'InvalidDeciderError',
  'InvalidDecisionAggregatesError',
  'InvalidDecisionError',
];
const ROOT_API = [
  'ANY',
  'NO_STREAM',
  'STREAM_EXISTS',
  'EventStore',
  'InMemoryEventStore',
  'appendToStreams',
  'ALL_STREAM',
  'CONSUMER_STRATEGIES',
  'DEFAULT_PERSISTENT_SUBSCRIPTION_SETTINGS',
  'checkpointStreamName',
  'parkedStreamName',
  'persistentSubscriptionsOf',
  'Aggregate',
  'AggregateId',
  'Apply',
  'EventType',
  'Handles',
  'Upcast',
  'Decides',
  'deserializeEvent',
  'SnapshotStore',
  'snapshotStreamName',
  'SNAPSHOT_EVENT_TYPE',
  'SNAPSHOTS_KEPT',
  'CAUSATION_ID_KEY',
  'COMMAND_ID_KEY',
  'COMMAND_WINDOW',
  'CORRELATION_ID_KEY',
  'MNEME_EVENT_ID_NAMESPACE',
  'eventIdFor',
  'decisionEventIdFor',
  'DEFAULT_TRANSIENT_RETRY_POLICY',
  'MAX_DELAY_MS',
  'comparePositions',
  'positionFromJSON',
  'positionToJSON',
  'Projection',
  'On',
  'ProjectionRunner',
  'CheckpointStore',
  'EventStoreCheckpointStore',
  'InMemoryCheckpointStore',
  'CHECKPOINT_EVENT_TYPE',
  'CHECKPOINT_STREAM_PREFIX',
  'Logger',
  'SilentLogger',
  'pinoLogger',
  'ProcessManager',
  'ProcessManagerRoot',
  'CommandRejected',
  'MnemeTelemetry',
  'MNEME_SPANS',
  'MNEME_ATTRIBUTES',
  'MNEME_METRICS',
  'AggregateRepository',
  'AggregateRoot',
  'CommandBus',
  'CommandInterceptor',
  'ConcurrencyRetryInterceptor',
  'StreamQueueInterceptor',
  'DEFAULT_RETRY_POLICY',
  'execute',
  'mnemeModule',
  'createMnemeContainer',
];
/** Deprecated in the root entry, to be removed in 0.2: they live in mneme/kurrent. */
const DEPRECATED_IN_ROOT = ['CONNECTION_STRING_VARIABLE', 'KurrentEventStore', 'createKurrentEventStore'];

const sorted = (names: readonly string[]) => [...names].sort();

describe('the public surface', () => {
  it('mneme exports the engine, the decorators and the errors, and no internals', () => {
    expect(sorted(Object.keys(root))).toEqual(sorted([...ROOT_ERRORS, ...ROOT_API, ...DEPRECATED_IN_ROOT]));
  });

  it('mneme/kurrent exports the Kurrent store and its helpers', () => {
    expect(sorted(Object.keys(kurrent))).toEqual(
      sorted([
        'CONNECTION_STRING_VARIABLE',
        'DEFAULT_DEADLINE_MS',
        'KurrentEventStore',
        'createKurrentEventStore',
        'redactConnectionString',
      ]),
    );
  });

  it('mneme/testing exports the emulator and the aggregate test helpers', () => {
    expect(sorted(Object.keys(testing))).toEqual(
      sorted([
        'startKurrentEmulator',
        'startKurrentEmulatorCluster',
        'aggregateSpec',
        'AggregateSpecGiven',
        'AggregateSpecWhen',
        'conflictingStore',
        'ConflictingStore',
        'AggregateSpecFailedError',
        'processSpec',
        'ProcessSpecGiven',
        'ProcessSpecWhen',
        'ProcessSpecFailedError',
        'ManualClock',
        'KurrentEmulatorError',
        'InvalidEmulatorOptionError',
        'EmulatorAddressInUseError',
        'EmulatorBindError',
        'EmulatorDataDirError',
        'EmulatorNoLeaderError',
        'EmulatorDataCorruptError',
      ]),
    );
  });

  it('mneme/nestjs exports the NestJS module and its tokens', () => {
    expect(sorted(Object.keys(nestjs))).toEqual(sorted(['MnemeModule', 'MNEME_CONTAINER', 'MNEME_OPTIONS']));
  });

  it("keeps mneme's deprecated Kurrent exports identical to mneme/kurrent's", () => {
    for (const name of DEPRECATED_IN_ROOT) {
      expect(root[name as keyof typeof root]).toBe(kurrent[name as keyof typeof kurrent]);
    }
  });
});
