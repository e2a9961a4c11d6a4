/**
 * Weaviate's side of memflow: one collection per searchable record type, multi-tenant (one
 * Weaviate tenant per memflow tenant, so a query can only ever see one tenant's objects), vectors
 * supplied by memflow's own embedding provider (no Weaviate vectorizer). Weaviate holds vectors and
 * the filters on them, no text: keyword search is PostgreSQL's (a second BM25 index here cost
 * every write its tokenising and postings, and counted keyword evidence twice in hybrid search).
 *
 * Objects (every collection):
 *   uuid          = the PostgreSQL record id (observations.id / summaries.id / learnings.id), so
 *                   writes are idempotent upserts and a search hit maps straight back to its row
 *   projectId     text (field tokenization), filterable: projects.id
 *   sessionId     text (field), filterable: sessions.id; '' for learnings (project-scoped)
 *   kind          text (field), filterable: ObservationKind | SummaryKind | LearningKind
 *   recordType    text (field), filterable: 'observation' | 'summary' | 'learning'
 *   createdAt     date, filterable and range-filterable: the record's created_at
 *   contentHash   text (field), not indexed: sha256 of what was written; reconciliation compares it
 * Learnings only:
 *   status        text (field), filterable: 'active' | 'superseded' (search should keep 'active')
 *   confidence    number, filterable and range-filterable: 0..1
 * One vector per object, named VECTOR_NAME ('default'), cosine distance (HNSW, see HNSW_EF_CONSTRUCTION).
 *
 * The embedding space (provider/model/dimension) a collection holds is written in its description.
 * ensureVectorSchema recreates the collections when the configured space differs: vectors of two
 * models are not comparable (and of two dimensions cannot share an index), so they are rebuilt from
 * PostgreSQL (reconcileVectorsWorkflow, or each session's next sync) rather than mixed. All
 * processes of a deployment must therefore use the same MEMFLOW_EMBEDDINGS settings.
 */
import weaviate, { type Collection, type CollectionConfig, type PropertyConfigCreate, type VectorIndexConfigHNSW, type VectorIndexConfigHNSWUpdate, type WeaviateClient } from 'weaviate-client';
import { RECORD_TYPES, type RecordType } from '../../../messages/record-types-v1.js';
import { embeddingSpace } from '../embeddings/providers.js';
import type { EmbeddingProvider } from '../embeddings/types.js';
import { replication } from './client.js';

export type { WeaviateClient } from 'weaviate-client';

export const COLLECTIONS: Record<RecordType, string> = {
  observation: 'MemflowObservation',
  summary: 'MemflowSummary',
  learning: 'MemflowLearning',
};

/** The one named vector of every collection (pass as targetVector if a query needs it named). */
export const VECTOR_NAME = 'default';

/** Properties of an object as written (see the header for their indexing). */
export interface VectorObjectProperties {
  projectId: string;
  sessionId: string;
  kind: string;
  recordType: RecordType;
  createdAt: Date;
  contentHash: string;
  status?: string;
  confidence?: number;
}

/**
 * Bumped when the properties or the index below change. v2 dropped the text properties and their
 * BM25 index; v3 keeps inverted indexes only where semantic search filters (projectId, the
 * createdAt range, a learning's status) and builds HNSW with efConstruction 40. A collection of
 * an older version is recreated (see ensureVectorSchema) and refilled by reconciliation.
 */
export const WEAVIATE_SCHEMA_VERSION = 3;
const SCHEMA_VERSION = WEAVIATE_SCHEMA_VERSION;

const field = (name: string, filterable = true): PropertyConfigCreate<undefined> => ({
  name,
  dataType: 'text',
  tokenization: 'field',
  indexFilterable: filterable,
  indexSearchable: false,
});

/**
 * Each inverted index is written for every object, under its own lock: filling one tenant from
 * 100k to 300k objects ran at 2,001-2,099 objects/s with all eight indexed, 2,271 with these
 * (Weaviate 0.46-0.49 ms of CPU an object against 0.41). The others are stored, not indexed.
 */
function propertiesOf(type: RecordType): PropertyConfigCreate<undefined>[] {
  const props: PropertyConfigCreate<undefined>[] = [
    field('projectId'),
    field('sessionId', false),
    field('kind', false),
    field('recordType', false),
    { name: 'createdAt', dataType: 'date', indexFilterable: false, indexRangeFilters: true },
    field('contentHash', false),
  ];
  if (type === 'learning') {
    props.push(field('status'), { name: 'confidence', dataType: 'number', indexFilterable: false, indexRangeFilters: false });
  }
  return props;
}

/**
 * HNSW build settings (Weaviate's defaults are 128 and 32). Indexing each vector is most of a
 * write's cost: measured here on 8,000 observations, Weaviate spent 0.61 ms of CPU an object with
 * the defaults and BM25 text properties, 0.49 without the text, 0.33 with efConstruction 64 and
 * these connections. Schema v3 builds with 40: filling one tenant 100k->300k ran at 2,550 objects/s
 * against 2,040-2,271 with 64 (Weaviate 0.33 ms an object against 0.41), and the graph found as many
 * of the exact 10 nearest observations of 100 questions at 300k (0.35 against 0.30 with 64; the
 * generated corpus repeats its sentences, which HNSW handles poorly at any setting). Recall of the
 * vector leg is also checked by bench:search and bench:retrieval (docs/benchmarks.md).
 */
const HNSW_EF_CONSTRUCTION = 40;
const HNSW_MAX_CONNECTIONS = 16;

/**
 * HNSW search settings. Unlike the build settings above they change on a live collection, so
 * ensureVectorSchema sets them on an existing one in place (nothing rebuilt, no schema version).
 * Searches are scoped to a project (a filter on projectId): under flatSearchCutoff allowed objects
 * Weaviate compares every one (exact), above it it walks HNSW with the filter, by default (1.34+)
 * with ACORN. On bench:search-scale's tenant (docs/retrieval.md), the pile's questions with 15% of
 * the tenant's objects allowed, ACORN found 0.52 of the exact 30 nearest for 5.3 ms of Weaviate
 * CPU a search; `sweeping` (the graph walked as unfiltered, only allowed objects kept) 0.78 for
 * 6.5-7.5 ms with ef = 4 x the limit (120 for 30), 0.82 for 10-14 ms with Weaviate's 8 x; ACORN
 * with ef 120 0.46. The exact scan of the same objects cost 17.5 ms.
 *
 * flatSearchCutoff 200,000 (Weaviate's default 40,000): a project of 10,000 sessions holds ~130,000
 * observations, which HNSW searched with the filter at 0.78 of the exact nearest; scanned exactly,
 * the pile's session any@10 at 1M records rose 0.933 -> 0.956 (strict all@5 0.890 -> 0.913), hybrid
 * p95 in its project 38.7 -> 76.6 ms, the pile's own questions 38.1 -> 88.6 ms (quiet, 2 cores: the
 * goal is 100 ms at 1M). Projects above it (over ~15,000 sessions) are walked by HNSW again.
 */
export const HNSW_SEARCH: Required<Pick<VectorIndexConfigHNSWUpdate, 'ef' | 'dynamicEfFactor' | 'flatSearchCutoff' | 'filterStrategy'>> = {
  ef: -1,
  dynamicEfFactor: 4,
  flatSearchCutoff: 200_000,
  filterStrategy: 'sweeping',
};

/** Weaviate 1.38's own search settings (what a collection made before HNSW_SEARCH has). */
export const WEAVIATE_HNSW_SEARCH_DEFAULTS: typeof HNSW_SEARCH = { ef: -1, dynamicEfFactor: 8, flatSearchCutoff: 40_000, filterStrategy: 'acorn' };

type HnswSearch = typeof HNSW_SEARCH;
const hnswIndexOf = (config: CollectionConfig) => config.vectorizers[VECTOR_NAME]?.indexConfig as Partial<VectorIndexConfigHNSW> | undefined;
const hasHnswSearch = (index: Partial<VectorIndexConfigHNSW> | undefined, settings: HnswSearch) =>
  (Object.keys(settings) as (keyof HnswSearch)[]).every((k) => index?.[k] === settings[k]);

/**
 * Sets the search settings of a collection's vector index in place (a no-op when it has them;
 * `current`: its config if already read). Every node of a cluster takes them through the schema.
 */
export async function setHnswSearch(client: WeaviateClient, name: string, settings: HnswSearch, current?: CollectionConfig): Promise<void> {
  const collection = client.collections.use(name);
  if (hasHnswSearch(hnswIndexOf(current ?? (await collection.config.get())), settings)) return;
  await collection.config.update({
    vectorizers: [weaviate.reconfigure.vectors.update({ name: VECTOR_NAME, vectorIndexConfig: weaviate.reconfigure.vectorIndex.hnsw(settings) })],
  });
}

const description = (provider: EmbeddingProvider) => `memflow schema v${SCHEMA_VERSION}; embedding space ${embeddingSpace(provider)}`;
const spaceOf = (desc: string | undefined) => /embedding space (\S+)/.exec(desc ?? '')?.[1];
const versionOf = (desc: string | undefined) => Number(/memflow schema v(\d+)/.exec(desc ?? '')?.[1] ?? 0);

/** Weaviate tenant names allow [A-Za-z0-9_-]{1,64}; memflow tenant ids are UUIDs. */
export function weaviateTenantName(tenantId: string): string {
  const id = tenantId.toLowerCase();
  if (!/^[0-9a-f-]{36}$/.test(id)) throw new Error(`not a tenant id: '${tenantId}'`);
  return `tenant-${id}`;
}

/** The memflow tenant id of a Weaviate tenant name, or undefined for a name memflow did not make. */
export function tenantIdOfWeaviateTenant(name: string): string | undefined {
  return /^tenant-([0-9a-f-]{36})$/.exec(name)?.[1];
}

/** Another process created the collection between our check and our create. */
const alreadyExists = (err: unknown) => /already exists/i.test(String((err as Error)?.message ?? err));

async function createCollection(client: WeaviateClient, type: RecordType, provider: EmbeddingProvider): Promise<void> {
  try {
    await client.collections.create({
      name: COLLECTIONS[type],
      description: description(provider),
      properties: propertiesOf(type),
      vectorizers: weaviate.configure.vectors.selfProvided({
        name: VECTOR_NAME,
        vectorIndexConfig: weaviate.configure.vectorIndex.hnsw({ distanceMetric: 'cosine', efConstruction: HNSW_EF_CONSTRUCTION, maxConnections: HNSW_MAX_CONNECTIONS, ...HNSW_SEARCH }),
      }),
      // Tenants appear on first write; explicit creation (ensureWeaviateTenant) also works.
      multiTenancy: { enabled: true, autoTenantCreation: true, autoTenantActivation: true },
      // A single node keeps Weaviate's default (no replication config); a cluster keeps `factor`
      // copies, repaired in the background (async replication) after a node was away.
      ...(replication.factor > 1
        ? { replication: weaviate.configure.replication({ factor: replication.factor, asyncEnabled: true }) }
        : {}),
    });
  } catch (err) {
    if (!alreadyExists(err)) throw err;
  }
}

/**
 * Creates the three collections, or migrates them: missing properties are added, and a collection
 * holding another embedding space is dropped and recreated empty (see the header). Idempotent and
 * cheap when nothing changed (one schema read).
 */
export async function ensureVectorSchema(client: WeaviateClient, provider: EmbeddingProvider): Promise<void> {
  const existing = new Map((await client.collections.listAll()).map((c) => [c.name, c]));
  for (const type of RECORD_TYPES) {
    const name = COLLECTIONS[type];
    const current = existing.get(name);
    if (!current) {
      await createCollection(client, type, provider);
      continue;
    }
    // Another space, an older schema (whose index or properties cannot be changed in place), or
    // not made by us (e.g. Weaviate's auto-schema, without multi-tenancy): rebuild.
    if (spaceOf(current.description) !== embeddingSpace(provider) || versionOf(current.description) < SCHEMA_VERSION || !current.multiTenancy.enabled) {
      await client.collections.delete(name);
      await createCollection(client, type, provider);
      continue;
    }
    const have = new Set(current.properties.map((p) => p.name));
    const collection = client.collections.use(name);
    for (const prop of propertiesOf(type)) {
      if (!have.has(prop.name)) await collection.config.addProperty(prop);
    }
    if (current.description !== description(provider)) await collection.config.update({ description: description(provider) });
    // Search settings change in place (an older collection gets this version's).
    await setHnswSearch(client, name, HNSW_SEARCH, current);
  }
}

/** Creates the memflow tenant's Weaviate tenant in every collection (active), if missing. */
export async function ensureWeaviateTenant(client: WeaviateClient, tenantId: string): Promise<void> {
  const name = weaviateTenantName(tenantId);
  for (const type of RECORD_TYPES) {
    const tenants = client.collections.use(COLLECTIONS[type]).tenants;
    const found = await tenants.getByName(name);
    if (!found) {
      try {
        await tenants.create({ name });
      } catch (err) {
        if (!alreadyExists(err)) throw err;
      }
    } else if (found.activityStatus !== 'ACTIVE') {
      await tenants.update({ name, activityStatus: 'ACTIVE' });
    }
  }
}

/** The collection of a record type, scoped to one memflow tenant. */
export function tenantCollection(client: WeaviateClient, type: RecordType, tenantId: string): Collection<undefined, string, undefined> {
  return client.collections.use(COLLECTIONS[type]).withTenant(weaviateTenantName(tenantId)).withConsistency(replication.consistency);
}
