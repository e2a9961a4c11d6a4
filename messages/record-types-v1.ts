/**
 * The kinds of memory record memflow stores, searches and embeds, and the ways it searches them: one list for the API's `types`
 * filter, the Weaviate collections, retention and reconciliation. Pure values: every layer may import it.
 */
export const RECORD_TYPES = ['observation', 'summary', 'learning'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/** How a search ranks: both legs fused (the default), PostgreSQL full-text alone, or vectors alone. */
export const SEARCH_MODES = ['hybrid', 'keyword', 'semantic'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

/** Trust tiers of a learning, strongest first: stated by the user > confirmed by outcome > extracted by a model > remembered by an agent tool. */
export const TRUST_TIERS = ['user', 'confirmed', 'extracted', 'agent'] as const;
export type TrustTier = (typeof TRUST_TIERS)[number];
