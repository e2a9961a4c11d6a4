/**
 * The words of memflow's wire, each written once: the kinds of memory record (the API's `types`
 * filter, the Weaviate collections, retention, reconciliation), the search modes, the kinds and
 * origins of a stated memory, and the version every server and client reports. Pure values: every
 * layer may import them, the web viewer too.
 */

/** The kinds of memory record memflow stores, searches and embeds. */
export const RECORD_TYPES = ['observation', 'summary', 'learning'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/** How GET /v1/search ranks: both legs fused (the default), PostgreSQL full text alone, or vectors alone. */
export const SEARCH_MODES = ['hybrid', 'keyword', 'semantic'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

/** What a memory stated by a person or an agent is (POST /v1/memories, corrections). */
export const STATED_KINDS = ['fact', 'decision', 'convention', 'pattern', 'gotcha', 'fix'] as const;
export type StatedKind = (typeof STATED_KINDS)[number];

/** Who stated it. */
export const STATED_ORIGINS = ['user', 'agent'] as const;
export type StatedOrigin = (typeof STATED_ORIGINS)[number];

/** memflow's version, as the CLI, the MCP servers and the API report it (package.json's; tests/messages.test.ts checks). */
export const MEMFLOW_VERSION = '0.1.0';
