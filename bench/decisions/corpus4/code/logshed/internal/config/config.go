// Package config loads /etc/logshed/logshed.yaml.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"time"

	"gopkg.in/yaml.v3"
)

// Input is one `inputs:` entry.
type Input struct {
	Type      string            `yaml:"type"` // file | syslog_udp | syslog_tcp | journald
	Paths     []string          `yaml:"paths"`
	Listen    string            `yaml:"listen"`
	Labels    map[string]string `yaml:"labels"`
	Multiline bool              `yaml:"multiline"`
}

// Output is the collector endpoint.
type Output struct {
	URL     string        `yaml:"url"`
	Tenant  string        `yaml:"tenant"`
	Timeout time.Duration `yaml:"timeout"`
}

// Spool configures the disk buffer.
type Spool struct {
	Dir      string `yaml:"dir"`
	MaxBytes int64  `yaml:"max_bytes"`
}

// Config is the whole file.
type Config struct {
	Inputs   []Input           `yaml:"inputs"`
	Output   Output            `yaml:"output"`
	Spool    Spool             `yaml:"spool"`
	Timezone string            `yaml:"timezone"`
	Redact   map[string]string `yaml:"redact"`
	Listen   string            `yaml:"listen"` // metrics and health
}

// Defaults fills what the file may leave out.
func (c *Config) Defaults() {
	if c.Spool.Dir == "" {
		c.Spool.Dir = "/var/lib/logshed/spool"
	}
	if c.Output.Timeout == 0 {
		c.Output.Timeout = 30 * time.Second
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:9411"
	}
}

// Validate reports every problem at once, one per line.
func (c *Config) Validate() error {
	var errs []error
	if c.Output.URL == "" {
		errs = append(errs, errors.New("output.url is required"))
	}
	for i, in := range c.Inputs {
		switch in.Type {
		case "file":
			if len(in.Paths) == 0 {
				errs = append(errs, fmt.Errorf("inputs[%d]: file input needs paths", i))
			}
		case "syslog_udp", "syslog_tcp":
			if in.Listen == "" {
				errs = append(errs, fmt.Errorf("inputs[%d]: %s needs listen", i, in.Type))
			}
		case "journald":
		default:
			errs = append(errs, fmt.Errorf("inputs[%d]: unknown type %q", i, in.Type))
		}
	}
	return errors.Join(errs...)
}

// Load reads and validates the file at path. Unknown keys are an error.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c.Defaults()
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}
