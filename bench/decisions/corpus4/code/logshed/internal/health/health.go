// Package health serves /healthz (liveness) and /readyz (readiness) for the systemd watchdog and k8s.
package health

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// Check is one named readiness probe.
type Check func() error

// Checker aggregates checks and remembers when each last passed.
type Checker struct {
	mu      sync.Mutex
	checks  map[string]Check
	lastOK  map[string]time.Time
	started time.Time
	version string
}

// New returns a Checker for the given build version.
func New(version string) *Checker {
	return &Checker{checks: map[string]Check{}, lastOK: map[string]time.Time{}, started: time.Now(), version: version}
}

// Register adds a readiness check.
func (c *Checker) Register(name string, check Check) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.checks[name] = check
}

type report struct {
	Status  string            `json:"status"`
	Version string            `json:"version"`
	Uptime  string            `json:"uptime"`
	Checks  map[string]string `json:"checks,omitempty"`
}

// Live always answers 200 while the process serves HTTP.
func (c *Checker) Live(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, report{Status: "ok", Version: c.version, Uptime: time.Since(c.started).String()})
}

// Ready runs every check; 503 if any fails.
func (c *Checker) Ready(w http.ResponseWriter, _ *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	rep := report{Status: "ok", Version: c.version, Uptime: time.Since(c.started).String(), Checks: map[string]string{}}
	code := http.StatusOK
	for name, check := range c.checks {
		if err := check(); err != nil {
			rep.Checks[name] = err.Error()
			rep.Status = "failing"
			code = http.StatusServiceUnavailable
			continue
		}
		c.lastOK[name] = time.Now()
		rep.Checks[name] = "ok"
	}
	writeJSON(w, code, rep)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// Mux mounts both endpoints.
func (c *Checker) Mux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("/healthz", c.Live)
	m.HandleFunc("/readyz", c.Ready)
	return m
}
