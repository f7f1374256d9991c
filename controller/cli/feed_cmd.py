"""waterpatrol feed: the partner agency's client. Prints each ticket as it arrives, stores it, acknowledges it."""
from __future__ import annotations

import os
from pathlib import Path


def add_partner_args(p) -> None:
    """--agency, --server and --keys, shared with `ticket update`; defaults from WATERPATROL_* variables."""
    p.add_argument("--agency", default=os.environ.get("WATERPATROL_AGENCY"), required="WATERPATROL_AGENCY" not in os.environ,
                   help="your agency's name, as the server knows it (env WATERPATROL_AGENCY)")
    p.add_argument("--server", default=os.environ.get("WATERPATROL_SERVER"), required="WATERPATROL_SERVER" not in os.environ,
                   help="the ticket server, tcp://HOST:PORT (env WATERPATROL_SERVER)")
    p.add_argument("--keys", type=Path, default=os.environ.get("WATERPATROL_KEYS"), required="WATERPATROL_KEYS" not in os.environ,
                   help="folder with AGENCY.key_secret and the server's server.key (env WATERPATROL_KEYS)")


def identity(args):
    from controller.tickets import keys
    from controller.tickets.client import Identity

    public, secret = keys.load_secret(keys.paths(args.keys, args.agency)[1])
    server_public = keys.load_public(keys.paths(args.keys, keys.SERVER)[0])
    return Identity(args.agency, public, secret, server_public)


def register(sub) -> None:
    p = sub.add_parser("feed", help="receive your agency's tickets from a ticket server (partner side)",
                       description="Connects to the ticket server, receives every ticket routed to your agency "
                                   "(everything missed while offline first), stores each with its evidence in --out, "
                                   "then acknowledges it. Runs until interrupted.")
    add_partner_args(p)
    p.add_argument("--out", type=Path, default=None, help="where tickets are kept (default ./feed-AGENCY)")
    p.add_argument("--exit-when-idle", type=float, default=None, metavar="S",
                   help="stop after S seconds without a new message (for scripts)")
    p.add_argument("--quiet", action="store_true", help="print nothing per ticket")
    p.add_argument("--no-files", action="store_true",
                   help="keep tickets in OUT/feed.sqlite only, without the tickets/<id>/ folders")
    p.set_defaults(run=run)


def run(args) -> int:
    import sys
    import threading

    from controller.tickets.client import FeedClient
    from controller.tickets.feedstore import FeedStore
    from controller.tickets.present import ticket_line

    ident = identity(args)
    out = args.out or Path(f"feed-{args.agency}")
    store = FeedStore(out, mirror=not args.no_files)

    def on_ticket(stored) -> None:
        if not args.quiet:
            print(ticket_line(stored.ticket, stored.seq), flush=True)

    def on_event(text: str) -> None:
        print(f"[feed] {text}", file=sys.stderr, flush=True)

    on_event(f"{args.agency}: keeping tickets in {out}/ (have up to #{store.last_seq})")
    client = FeedClient(args.server, ident, store, on_ticket=on_ticket, on_event=on_event)
    try:
        client.run(threading.Event(), idle_exit_s=args.exit_when_idle)
    finally:
        store.close()
        on_event(f"{client.received} new ticket version(s), {client.duplicates} duplicate(s) ignored")
    return 0
