/**
 * Pinned versions of the servers memflow provisions. They are built from the Go module proxy, so a
 * version is only usable when its go.mod has no `replace` directive (see ARCHITECTURE.md); bumping one
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
}

export const TEMPORAL_CLI: GoBinarySpec = {
  name: 'temporal',
  pkg: 'github.com/temporalio/cli/cmd/temporal',
  // v1.5.1 is the last release whose go.mod has no `replace`, so `go install` works.
  version: 'v1.5.1',
  executable: 'temporal',
  cgo: false,
  overrideEnv: 'MEMFLOW_TEMPORAL_BIN',
};

export const WEAVIATE_SERVER: GoBinarySpec = {
  name: 'weaviate',
  pkg: 'github.com/weaviate/weaviate/cmd/weaviate-server',
  version: 'v1.38.11',
  executable: 'weaviate-server',
  cgo: true,
  overrideEnv: 'MEMFLOW_WEAVIATE_BIN',
};
