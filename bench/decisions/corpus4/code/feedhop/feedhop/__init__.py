"""feedhop: a small RSS/Atom aggregator service (polls feeds, stores entries, mails digests)."""

__version__ = "0.9.3"
