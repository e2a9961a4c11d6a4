// Package receiver is the HTTP push input: applications POST newline-delimited JSON events to
// /push and logshed ships them like lines from a file.
package receiver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// MaxPushBody caps one request body.
const MaxPushBody = 64 << 20

// MaxLineBytes: longer lines are cut, like the file tailer does.
const MaxLineBytes = 256 << 10

// Event is one pushed log line.
type Event struct {
	Time   time.Time
	Line   string
	Labels map[string]string
}

type pushLine struct {
	TS     string            `json:"ts"`
	Line   string            `json:"line"`
	Labels map[string]string `json:"labels"`
}

// Handler serves POST /push.
type Handler struct {
	Emit func([]Event) error
	Now  func() time.Time
}

func parseTS(ts string, now time.Time) (time.Time, error) {
	if ts == "" {
		return now, nil
	}
	if n, err := strconv.ParseInt(ts, 10, 64); err == nil {
		return time.Unix(0, n).UTC(), nil
	}
	return time.Parse(time.RFC3339Nano, ts)
}

// parse reads the body's lines; the first bad line fails the request.
func parse(body []byte, now time.Time) ([]Event, error) {
	var events []Event
	for i, raw := range bytes.Split(body, []byte("\n")) {
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 {
			continue
		}
		var pl pushLine
		if err := json.Unmarshal(raw, &pl); err != nil {
			return nil, fmt.Errorf("line %d: %v", i+1, err)
		}
		t, err := parseTS(pl.TS, now)
		if err != nil {
			return nil, fmt.Errorf("line %d: bad ts %q", i+1, pl.TS)
		}
		if len(pl.Line) > MaxLineBytes {
			pl.Line = pl.Line[:MaxLineBytes]
		}
		events = append(events, Event{Time: t, Line: pl.Line, Labels: pl.Labels})
	}
	return events, nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxPushBody)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	events, err := parse(body, now())
	if err != nil {
		http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	if err := h.Emit(events); err != nil {
		http.Error(w, "busy, retry later", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
