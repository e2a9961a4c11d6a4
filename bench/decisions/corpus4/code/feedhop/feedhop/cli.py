"""Command line: `feedhop add URL`, `feedhop poll`, `feedhop import subs.opml`, `feedhop digest`."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import httpx

from feedhop import __version__
from feedhop.fetch import FeedState, FetchError, fetch_feed
from feedhop.opml import OpmlError, read_opml
from feedhop.store import EntryStore

DEFAULT_DB = Path.home() / ".local" / "share" / "feedhop" / "feedhop.db"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="feedhop")
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("--version", action="version", version=f"feedhop {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="subscribe to a feed")
    add.add_argument("url")
    sub.add_parser("poll", help="poll every feed once")
    imp = sub.add_parser("import", help="import an OPML file")
    imp.add_argument("file", type=Path)
    sub.add_parser("prune", help="delete old entries")
    return p


def cmd_add(store: EntryStore, url: str) -> int:
    feed_id = store.add_feed(url)
    print(f"subscribed: {url} (#{feed_id})")
    return 0


def cmd_import(store: EntryStore, path: Path) -> int:
    try:
        subs = read_opml(path.read_bytes())
    except (OSError, OpmlError) as exc:
        print(f"feedhop: {exc}", file=sys.stderr)
        return 2
    for sub in subs:
        store.add_feed(sub.url, sub.title)
    print(f"imported {len(subs)} subscriptions")
    return 0


def cmd_poll(store: EntryStore) -> int:
    failed = 0
    with httpx.Client() as client:
        for row in store.db.execute("SELECT id, url, etag, last_modified FROM feeds").fetchall():
            state = FeedState(url=row["url"], etag=row["etag"], last_modified=row["last_modified"])
            try:
                fetch_feed(client, state)
            except FetchError as exc:
                failed += 1
                logging.warning("%s", exc)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    args.db.parent.mkdir(parents=True, exist_ok=True)
    store = EntryStore(args.db)
    try:
        if args.command == "add":
            return cmd_add(store, args.url)
        if args.command == "import":
            return cmd_import(store, args.file)
        if args.command == "poll":
            return cmd_poll(store)
        if args.command == "prune":
            print(f"pruned {store.prune_old()} entries")
            return 0
        return 2
    finally:
        store.close()


if __name__ == "__main__":
    raise SystemExit(main())
