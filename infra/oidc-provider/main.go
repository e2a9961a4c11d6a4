// memflow-oidc-provider: a real OpenID Connect provider for memflow's sign-in tests and for a
// laptop without one (issue 51). It is zitadel/oidc's certified provider library (pkg/op) with the
// in-memory storage and login pages of its example server: authorization code with PKCE, device
// authorization (RFC 8628), discovery, JWKS, userinfo and end-session. Only its configuration is
// ours: the issuer, the port, the people (a JSON file, as the example's USERS_FILE) and two clients,
// which come from the environment:
//
//	OIDC_PORT                  port on 127.0.0.1 (required)
//	OIDC_ISSUER                default http://127.0.0.1:<port>/
//	OIDC_USERS_FILE            {"<subject>": {"ID", "Username", "Password", "FirstName", "LastName", "Email", "EmailVerified"}}
//	OIDC_VIEWER_CLIENT_ID      a public client (PKCE, no secret) for the viewer's authorization code flow
//	OIDC_VIEWER_REDIRECT_URIS  comma-separated; loopback ones match any port (RFC 8252)
//	OIDC_DEVICE_CLIENT_ID      a confidential client for the device authorization grant (`memflow login`)
//	OIDC_DEVICE_CLIENT_SECRET
//
// One correction to the example (providerStorage below): its device pages approve a device sign-in
// under the username typed in, while its storage finds people by ID (the subject), so the token
// endpoint answered a device the person had approved with 500 server_error "user not found"
// instead of its tokens (RFC 8628 3.5).
//
// infra/oidc-provider.ts builds it once per machine from the Go module proxy and starts it.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
)

func must(name string) string {
	v := os.Getenv(name)
	if v == "" {
		fmt.Fprintf(os.Stderr, "%s is required\n", name)
		os.Exit(2)
	}
	return v
}

// providerStorage is the example's storage, except that an approved device sign-in is recorded
// under the person's subject. The example's device pages (exampleop/device.go, confirmHandler)
// pass the username to CompleteDeviceAuthorization; the ID token, the userinfo and the access
// token are then made for a subject no person has. A real provider issues them for the person who
// approved: so does this one now.
type providerStorage struct {
	*storage.Storage
	users storage.UserStore
}

func (s providerStorage) CompleteDeviceAuthorization(ctx context.Context, userCode, username string) error {
	user := s.users.GetUserByUsername(username)
	if user == nil {
		return fmt.Errorf("no person with the username %q", username)
	}
	return s.Storage.CompleteDeviceAuthorization(ctx, userCode, user.ID)
}

func main() {
	port := must("OIDC_PORT")
	issuer := os.Getenv("OIDC_ISSUER")
	if issuer == "" {
		issuer = fmt.Sprintf("http://127.0.0.1:%s/", port)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	storage.RegisterClients(
		storage.NativeClient(must("OIDC_VIEWER_CLIENT_ID"), strings.Split(must("OIDC_VIEWER_REDIRECT_URIS"), ",")...),
		storage.DeviceClient(must("OIDC_DEVICE_CLIENT_ID"), must("OIDC_DEVICE_CLIENT_SECRET")),
	)
	users, err := storage.StoreFromFile(must("OIDC_USERS_FILE"))
	if err != nil {
		logger.Error("cannot read the users file", "error", err)
		os.Exit(2)
	}
	router := exampleop.SetupServer(issuer, providerStorage{storage.NewStorage(users), users}, logger, false)
	server := &http.Server{Addr: "127.0.0.1:" + port, Handler: router}
	logger.Info("listening", "issuer", issuer)
	if err := server.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		logger.Error("server stopped", "error", err)
		os.Exit(1)
	}
}
