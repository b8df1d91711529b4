import { createRequire } from 'node:module';
import { classLineage } from '../../decorators/class-lineage.js';

/** class-transformer's record of one `@Type(() => X)`. */
export interface TypeMetadata {
  readonly propertyName: string;
  readonly reflectedType: unknown;
  readonly typeFunction?: (options?: unknown) => unknown;
  readonly options?: { discriminator?: unknown };
}

interface MetadataMaps {
  _typeMetadatas: Map<Function, Map<string, TypeMetadata>>;
  _transformMetadatas: Map<Function, unknown>;
  _exposeMetadatas: Map<Function, unknown>;
  _excludeMetadatas: Map<Function, unknown>;
}

/**
 * class-transformer's own metadata storage: the copy that `import ... from 'class-transformer'`
 * resolves to in Node (its `main`, CommonJS). Undefined if it cannot be read (e.g. a bundler picked
 * its ESM build): then every event class takes the class-transformer path, which is always correct.
 */
const storage: MetadataMaps | undefined = (() => {
  try {
    const require = createRequire(import.meta.url);
    const loaded = require('class-transformer/cjs/storage.js') as { defaultMetadataStorage?: MetadataMaps };
    const candidate = loaded.defaultMetadataStorage;
    return candidate && candidate._typeMetadatas instanceof Map ? candidate : undefined;
  } catch {
    return undefined;
  }
})();

/**
 * Whether class-transformer has anything to do for this class (a @Type, @Transform, @Expose or
 * @Exclude on it or a base class). When not, a plain copy gives the same instance, faster.
 */
export function needsClassTransformer(eventClass: Function): boolean {
  if (!storage) return true;
  for (const target of classLineage(eventClass)) {
    if (
      storage._typeMetadatas.has(target) ||
      storage._transformMetadatas.has(target) ||
      storage._exposeMetadatas.has(target) ||
      storage._excludeMetadatas.has(target)
    ) {
      return true;
    }
  }
  return false;
}

/** The `@Type` records of a class and its bases (a subclass's record of a property wins). */
export function typeMetadataOf(type: Function): TypeMetadata[] {
  if (!storage) return [];
  const byProperty = new Map<string, TypeMetadata>();
  for (const target of classLineage(type)) {
    for (const [property, metadata] of storage._typeMetadatas.get(target) ?? []) {
      if (!byProperty.has(property)) byProperty.set(property, metadata);
    }
  }
  return [...byProperty.values()];
}
