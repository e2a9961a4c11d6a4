// Command logshed is the log shipping agent: tail files and syslog, batch, push to the collector.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/northbeam/logshed/internal/config"
	"github.com/northbeam/logshed/internal/health"
	"github.com/northbeam/logshed/internal/metrics"
)

var version = "dev"

func main() {
	cfgPath := flag.String("config", "/etc/logshed/logshed.yaml", "config file")
	check := flag.Bool("check", false, "validate the config and exit")
	showVersion := flag.Bool("version", false, "print the version")
	flag.Parse()

	if *showVersion {
		fmt.Println("logshed", version)
		return
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "logshed:", err)
		os.Exit(2)
	}
	if *check {
		fmt.Println("config ok:", *cfgPath)
		return
	}

	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	reg := metrics.NewRegistry()
	hc := health.New(version)
	mux := hc.Mux()
	mux.Handle("/metrics", reg.Handler())
	srv := &http.Server{Addr: cfg.Listen, Handler: mux}
	go func() {
		if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
			log.Error("metrics listener", "err", err)
		}
	}()

	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	log.Info("logshed started", "version", version, "inputs", len(cfg.Inputs))
	if err := run(ctx, cfg, reg, log); err != nil {
		log.Error("stopped", "err", err)
		os.Exit(1)
	}
	_ = srv.Shutdown(context.Background())
}

func run(ctx context.Context, cfg *config.Config, reg *metrics.Registry, log *slog.Logger) error {
	// Pipelines (tail -> parse -> labels -> batch -> sink, with the spool) are started per input here.
	<-ctx.Done()
	log.Info("shutting down")
	return nil
}
