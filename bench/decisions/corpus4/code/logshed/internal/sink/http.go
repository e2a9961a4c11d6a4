// Package sink pushes batches to the collector.
package sink

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/northbeam/logshed/internal/batch"
)

// gzipMinBytes: smaller bodies are sent uncompressed.
const gzipMinBytes = 4 << 10

// HTTPSink sends batches as JSON streams to the collector's push endpoint.
type HTTPSink struct {
	Endpoint string
	Tenant   string
	Client   *http.Client
	UA       string
}

type stream struct {
	Stream map[string]string `json:"stream"`
	Values [][2]string       `json:"values"`
}

type pushBody struct {
	Streams []stream `json:"streams"`
}

// Encode groups a batch's events by label set.
func Encode(b batch.Batch) ([]byte, error) {
	byKey := map[string]*stream{}
	var order []string
	for _, e := range b.Events {
		key := fmt.Sprint(e.Labels)
		s, ok := byKey[key]
		if !ok {
			s = &stream{Stream: e.Labels}
			byKey[key] = s
			order = append(order, key)
		}
		s.Values = append(s.Values, [2]string{strconv.FormatInt(e.Time.UnixNano(), 10), e.Line})
	}
	body := pushBody{}
	for _, k := range order {
		body.Streams = append(body.Streams, *byKey[k])
	}
	return json.Marshal(body)
}

// Push sends one encoded body; it returns the HTTP status and the response headers.
func (s *HTTPSink) Push(ctx context.Context, body []byte) (int, http.Header, error) {
	endpoint := s.Endpoint
	if s.Tenant != "" {
		u, err := url.Parse(endpoint)
		if err != nil {
			return 0, nil, err
		}
		q := u.Query()
		q.Set("tenant", s.Tenant)
		u.RawQuery = q.Encode()
		endpoint = u.String()
	}
	var payload bytes.Buffer
	compressed := len(body) >= gzipMinBytes
	if compressed {
		zw := gzip.NewWriter(&payload)
		if _, err := zw.Write(body); err != nil {
			return 0, nil, err
		}
		if err := zw.Close(); err != nil {
			return 0, nil, err
		}
	} else {
		payload.Write(body)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, &payload)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if compressed {
		req.Header.Set("Content-Encoding", "gzip")
	}
	req.Header.Set("User-Agent", s.UA)
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, resp.Header, nil
}
