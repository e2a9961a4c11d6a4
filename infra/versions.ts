/**
 * Pinned versions of the servers memflow provisions. They are built from the Go module proxy, so a
 * version is only usable when its go.mod has no `replace` directive (docs/operations.md); bumping one
 * means checking that first. infra/compose.yaml pins the same versions as container images.
 */
export interface GoBinarySpec {
  /** Short name used for cache folders, logs and messages. */
  name: string;
  /** Package path passed to `go install`. */
  pkg: string;
  version: string;
  /** Name of the executable `go install` produces. */
  executable: string;
  cgo: boolean;
  /** Environment variable that points at an existing executable instead of building one. */
  overrideEnv: string;
  /**
   * A module of this repository (its folder, from the repository root) built with `go build`
   * instead of `go install pkg@version`: its go.mod and go.sum pin what comes from the module proxy.
   */
  moduleDir?: string;
}

/**
 * The Temporal CLI (its dev server runs the test and dev stacks): v1.5.1, the last release whose
 * go.mod has no `replace`, built by infra/temporal-cli (its own main, the CLI's) with the SQLite driver
 * Temporal itself moved to (modernc.org/sqlite v1.44.3 for v1.34.1): with v1.34.1 a cancelled
 * transaction left the dev server failing every query ("interrupted (9)") for the rest of a run. The
 * version names the CLI and the driver: change it when infra/temporal-cli changes.
 */
export const TEMPORAL_CLI: GoBinarySpec = {
  name: 'temporal',
  pkg: 'memflow.local/temporal-cli',
  version: 'v1.5.1-sqlite-v1.44.3',
  executable: 'temporal',
  cgo: false,
  overrideEnv: 'MEMFLOW_TEMPORAL_BIN',
  moduleDir: 'infra/temporal-cli',
};

export const WEAVIATE_SERVER: GoBinarySpec = {
  name: 'weaviate',
  pkg: 'github.com/weaviate/weaviate/cmd/weaviate-server',
  version: 'v1.38.11',
  executable: 'weaviate-server',
  cgo: true,
  overrideEnv: 'MEMFLOW_WEAVIATE_BIN',
};

/**
 * The Temporal server itself (cluster profile): all services in one process on PostgreSQL. v1.29.1 is
 * the server the pinned CLI v1.5.1 embeds, and its go.mod has no `replace`, so `go install` builds it.
 */
export const TEMPORAL_SERVER: GoBinarySpec = {
  name: 'temporal-server',
  pkg: 'go.temporal.io/server/cmd/server',
  version: 'v1.29.1',
  executable: 'server',
  cgo: false,
  overrideEnv: 'MEMFLOW_TEMPORAL_SERVER_BIN',
};

/** temporal-sql-tool from the same module: setup-schema and update-schema for PostgreSQL. */
export const TEMPORAL_SQL_TOOL: GoBinarySpec = {
  name: 'temporal-sql-tool',
  pkg: 'go.temporal.io/server/cmd/tools/sql',
  version: 'v1.29.1',
  executable: 'sql',
  cgo: false,
  overrideEnv: 'MEMFLOW_TEMPORAL_SQL_TOOL_BIN',
};

/** helm (lint and template of infra/helm/memflow in tests/deploy.test.ts). */
export const HELM: GoBinarySpec = {
  name: 'helm',
  pkg: 'helm.sh/helm/v3/cmd/helm',
  version: 'v3.22.0',
  executable: 'helm',
  cgo: false,
  overrideEnv: 'MEMFLOW_HELM_BIN',
};

/** kubeconform (schema validation of the rendered chart, offline with schemas from disk). */
export const KUBECONFORM: GoBinarySpec = {
  name: 'kubeconform',
  pkg: 'github.com/yannh/kubeconform/cmd/kubeconform',
  version: 'v0.8.0',
  executable: 'kubeconform',
  cgo: false,
  overrideEnv: 'MEMFLOW_KUBECONFORM_BIN',
};

/**
 * The OpenID provider of the sign-in tests (issue 51): zitadel/oidc's provider library (pkg/op) with
 * its example storage and login pages, configured by infra/oidc-provider/main.go. The version names
 * the library and a revision of main.go: bump the revision when main.go changes.
 */
export const OIDC_PROVIDER: GoBinarySpec = {
  name: 'memflow-oidc-provider',
  pkg: 'memflow.local/oidc-provider',
  version: 'zitadel-oidc-v3.52.0-r2',
  executable: 'memflow-oidc-provider',
  cgo: false,
  overrideEnv: 'MEMFLOW_OIDC_PROVIDER_BIN',
  moduleDir: 'infra/oidc-provider',
};
