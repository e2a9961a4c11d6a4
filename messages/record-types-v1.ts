/**
 * The kinds of memory record memflow stores, searches and embeds: one list for the API's `types`
 * filter, the Weaviate collections, retention and reconciliation. Pure values: every layer may import it.
 */
export const RECORD_TYPES = ['observation', 'summary', 'learning'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];
