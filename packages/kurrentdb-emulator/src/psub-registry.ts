/** The node's subscription groups (PersistentSubscriptionService): create, update, delete and
 * restart them, save their settings to `$persistentSubscriptionConfig`, and tick their clocks. */
import { randomUUID } from 'node:crypto';
import type { InMemoryLog } from './log.js';
import { WIRE_ANY } from './records.js';
import { metastreamOf } from './stream-metadata.js';
import { ALL_STREAM, CONFIG_STREAM, groupKey } from './psub-names.js';
import { PersistentGroup, type Deliver } from './psub-group.js';
import { startFromText, validateBuffers, validateStartFrom, type GroupSettings } from './psub-settings.js';
import { allSource, recordFilter, streamSource, type FilterMessage, type GroupSource } from './psub-source.js';
import type { Consumer } from './psub-consumer.js';

/** What a group is made from, kept so a restart can rebuild it. */
export interface GroupDefinition {
  readonly source: string;
  readonly group: string;
  readonly settings: GroupSettings;
  readonly filter?: FilterMessage;
}

export type Dropped = (consumer: Consumer, group: PersistentGroup) => void;

const TICK_MS = 1000;

export class GroupRegistry {
  readonly #groups = new Map<string, { definition: GroupDefinition; group: PersistentGroup }>();
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly log: InMemoryLog,
    private readonly deliver: Deliver,
    private readonly dropped: Dropped,
    private readonly onTickError: (error: unknown) => void,
  ) {
    // The server wakes every group once a second: timeouts and time-based checkpoints run here.
    this.#timer = setInterval(() => {
      try {
        const now = Date.now();
        for (const { group } of this.#groups.values()) group.tick(now);
      } catch (error) {
        this.onTickError(error);
      }
    }, TICK_MS);
    this.#timer.unref();
  }

  get(source: string, group: string): PersistentGroup | undefined {
    return this.#groups.get(groupKey(source, group))?.group;
  }

  /** Groups by source name (sorted, as the server's topic list), in creation order within one. */
  list(source?: string): PersistentGroup[] {
    const entries = [...this.#groups.values()].filter(
      ({ definition }) => source === undefined || definition.source === source,
    );
    const sources = [...new Set(entries.map(({ definition }) => definition.source))].sort();
    return sources.flatMap((name) =>
      entries.filter(({ definition }) => definition.source === name).map(({ group }) => group),
    );
  }

  hasSource(source: string): boolean {
    return [...this.#groups.values()].some(({ definition }) => definition.source === source);
  }

  /** Returns false when the group exists. Throws GroupSettingsError for a bad start point. */
  create(definition: GroupDefinition): boolean {
    const key = groupKey(definition.source, definition.group);
    this.#validate(definition);
    if (this.#groups.has(key)) return false;
    validateBuffers(definition.settings);
    this.#groups.set(key, { definition, group: this.#build(definition) });
    this.#saveConfig();
    return true;
  }

  /** Replaces the group (dropping its consumers); it resumes from its checkpoint. Returns false when missing. */
  update(definition: GroupDefinition): boolean {
    const key = groupKey(definition.source, definition.group);
    const existing = this.#groups.get(key);
    if (!existing) return false;
    this.#validate(definition);
    validateBuffers(definition.settings);
    // An update keeps the $all filter the group was created with.
    const kept = { ...definition, filter: existing.definition.filter };
    this.#shutdown(existing.group);
    this.#groups.set(key, { definition: kept, group: this.#build(kept) });
    this.#saveConfig();
    return true;
  }

  delete(source: string, group: string): boolean {
    const key = groupKey(source, group);
    const existing = this.#groups.get(key);
    if (!existing) return false;
    this.#groups.delete(key);
    this.#shutdown(existing.group);
    existing.group.streams.delete();
    this.#saveConfig();
    return true;
  }

  /** Drops every consumer and reloads every group from its checkpoint. */
  restart(): void {
    for (const [key, entry] of this.#groups) {
      this.#shutdown(entry.group);
      this.#groups.set(key, { definition: entry.definition, group: this.#build(entry.definition) });
    }
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #validate(definition: GroupDefinition): void {
    const last = this.log.all[this.log.all.length - 1]?.position ?? 0;
    validateStartFrom(definition.settings.startFrom, last);
  }

  #build(definition: GroupDefinition): PersistentGroup {
    const source: GroupSource =
      definition.source === ALL_STREAM
        ? allSource(this.log, recordFilter(definition.filter))
        : streamSource(this.log, definition.source);
    return new PersistentGroup(
      groupKey(definition.source, definition.group),
      definition.group,
      definition.settings,
      source,
      this.log,
      this.deliver,
    );
  }

  #shutdown(group: PersistentGroup): void {
    for (const consumer of group.shutdown()) this.dropped(consumer, group);
  }

  /** `$PersistentConfig`: the whole configuration, rewritten on every change (stream maxCount 2). */
  #saveConfig(): void {
    if (this.log.lastRevision(CONFIG_STREAM) < 0) {
      this.log.append(metastreamOf(CONFIG_STREAM), WIRE_ANY, [json('$metadata', { $maxCount: 2 })]);
    }
    const entries = [...this.#groups.values()].map(({ definition: { source, group, settings } }) => ({
      stream: source,
      group,
      resolveLinkTos: settings.resolveLinkTos,
      extraStatistics: settings.extraStatistics,
      messageTimeout: settings.messageTimeoutMs,
      startPosition: startFromText(settings.startFrom),
      maxRetryCount: settings.maxRetryCount,
      liveBufferSize: settings.liveBufferSize,
      historyBufferSize: settings.historyBufferSize,
      readBatchSize: settings.readBatchSize,
      checkPointAfter: settings.checkPointAfterMs,
      minCheckPointCount: settings.minCheckPointCount,
      maxCheckPointCount: settings.maxCheckPointCount,
      maxSubscriberCount: settings.maxSubscriberCount,
      namedConsumerStrategy: settings.consumerStrategy,
    }));
    this.log.append(CONFIG_STREAM, WIRE_ANY, [
      json('$PersistentConfig', { version: '2', updated: new Date().toISOString(), updatedBy: 'admin', entries }),
    ]);
  }
}

const json = (type: string, data: unknown) => ({
  id: randomUUID(),
  type,
  contentType: 'application/json',
  data: Buffer.from(JSON.stringify(data)),
  customMetadata: new Uint8Array(0),
});
