// Package compress encodes a batch body before the HTTP sink sends it.
package compress

import (
	"bytes"
	"compress/gzip"
	"strings"
)

// MinCompressBytes: smaller batches go as they are (the headers cost more than the saving).
const MinCompressBytes = 1024

// GzipLevel is the level batches are compressed at.
const GzipLevel = 6

// Encoded is a body and the Content-Encoding to send with it ("" for identity).
type Encoded struct {
	Body     []byte
	Encoding string
}

// Encode compresses body for a collector that accepts the encodings listed in accept
// (its Accept-Encoding, as learned from the last response; empty means gzip only).
func Encode(body []byte, accept string) (Encoded, error) {
	if len(body) < MinCompressBytes {
		return Encoded{Body: body}, nil
	}
	if accept != "" && !accepts(accept, "gzip") {
		return Encoded{Body: body}, nil
	}
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, GzipLevel)
	if err != nil {
		return Encoded{}, err
	}
	if _, err := w.Write(body); err != nil {
		return Encoded{}, err
	}
	if err := w.Close(); err != nil {
		return Encoded{}, err
	}
	return Encoded{Body: buf.Bytes(), Encoding: "gzip"}, nil
}

func accepts(header, encoding string) bool {
	for _, part := range strings.Split(header, ",") {
		name := strings.TrimSpace(strings.SplitN(part, ";", 2)[0])
		if strings.EqualFold(name, encoding) {
			return true
		}
	}
	return false
}
