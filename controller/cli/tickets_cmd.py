"""waterpatrol tickets serve|list|show|export: the ticket server and the outbox, for the operator."""
from __future__ import annotations

import argparse
from pathlib import Path

DEFAULT_DB = Path("out/tickets/outbox.sqlite")


def register(sub) -> None:
    p = sub.add_parser("tickets", help="serve tickets to partner agencies; list, show and export them",
                       description="The ticket server and its outbox.")
    ts = p.add_subparsers(dest="tickets_command", required=True, metavar="ACTION")

    s = ts.add_parser("serve", help="run the ticket server for a site (ZeroMQ ROUTER with CURVE)",
                      description="Serve the outbox to partner agencies until interrupted. Keys: DIR/server.key_secret "
                                  "and DIR/AGENCY.key for each agency of the site (`waterpatrol keys new`).")
    s.add_argument("site", type=Path, help="site config (YAML) with its agencies and routing")
    s.add_argument("--keys", type=Path, default=Path("keys"), help="key folder (default ./keys)")
    s.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"outbox (default {DEFAULT_DB})")
    s.add_argument("--bind", default="tcp://127.0.0.1:5560",
                   help="endpoint for partners (default tcp://127.0.0.1:5560; tcp://0.0.0.0:5560 to serve the network)")
    s.add_argument("--announce", default=None, help="also publish a summary of each ticket on this PUB endpoint")
    s.add_argument("--retransmit-s", type=float, default=5.0, help="send an unacknowledged ticket again after (s)")
    s.add_argument("--status-every", type=float, default=30.0, help="print a status line this often (s; 0: never)")
    s.set_defaults(run=run_serve)

    ls = ts.add_parser("list", help="the tickets in the outbox, latest first, with their delivery state")
    ls.add_argument("--db", type=Path, default=DEFAULT_DB)
    ls.add_argument("--limit", type=int, default=50)
    ls.add_argument("--json", action="store_true", help="print the ticket documents as JSON")
    ls.set_defaults(run=run_list)

    sh = ts.add_parser("show", help="one ticket: fields, deliveries per agency, history")
    sh.add_argument("id", help="ticket id, or a unique prefix of it")
    sh.add_argument("--db", type=Path, default=DEFAULT_DB)
    sh.add_argument("--version", type=int, default=None, help="an earlier version (default: the latest)")
    sh.add_argument("--json", action="store_true", help="print the ticket document as JSON")
    sh.set_defaults(run=run_show)

    ex = ts.add_parser("export", help="a ticket as an OASIS CAP 1.2 XML alert")
    ex.add_argument("id", help="ticket id, or a unique prefix of it")
    ex.add_argument("--cap", action="store_true", required=True, help="CAP 1.2 XML (the one format so far)")
    ex.add_argument("--db", type=Path, default=DEFAULT_DB)
    ex.add_argument("--version", type=int, default=None)
    ex.add_argument("--sender", default=None, help="CAP sender (default waterpatrol@<site>)")
    ex.add_argument("--embed-evidence", action="store_true", help="put the JPEGs in the alert (base64 derefUri)")
    ex.add_argument("--out", type=Path, default=None, help="write to this file instead of stdout")
    ex.set_defaults(run=run_export)


def run_serve(args) -> int:
    import logging
    import signal
    import threading
    import time

    from missions.errors import UserError
    from missions.site import load_site

    from controller.tickets.outbox import Outbox
    from controller.tickets.server import ServerConfig, TicketServer

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    site = load_site(args.site)
    if args.retransmit_s <= 0:
        raise UserError(f"--retransmit-s {args.retransmit_s:g} must be above 0")
    config = ServerConfig(bind=args.bind, announce=args.announce, retransmit_s=args.retransmit_s)
    server = TicketServer.for_site(site, args.db, args.keys, config=config, with_desk=False)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    endpoint = server.start()
    print(f"serving {site.name} tickets on {endpoint} (outbox {args.db}); agencies: "
          f"{', '.join(a.name for a in site.agencies)}" + (f"; announcing on {server.announce_endpoint}"
                                                            if server.announce_endpoint else ""), flush=True)
    watcher = Outbox(args.db)
    next_status = time.monotonic() + args.status_every
    try:
        while not stop.wait(min(1.0, args.status_every) if args.status_every > 0 else 1.0):
            if not server.running:
                raise UserError("the ticket server stopped; see the log above")
            if args.status_every > 0 and time.monotonic() >= next_status:
                next_status += args.status_every
                st, counts = server.stats(), watcher.counts()
                sessions = ", ".join(f"{a} #{s['sent_upto']}/{st['heads'].get(a, 0)} ({s['inflight']} in flight)"
                                     for a, s in sorted(st["sessions"].items())) or "no partner connected"
                print(f"{time.strftime('%H:%M:%S')} {sessions}; held {counts['held']}, unacknowledged "
                      f"{counts['unacked']}, acknowledged {counts['acked']}", flush=True)
    finally:
        watcher.close()
        server.stop()
    print("stopped", flush=True)
    return 0


def _outbox(path: Path):
    from controller.tickets.outbox import Outbox
    return Outbox(path, must_exist=True)


def run_list(args) -> int:
    import json

    from controller.tickets.present import list_line

    ob = _outbox(args.db)
    docs = ob.all_latest(args.limit)
    if args.json:
        print(json.dumps(docs, ensure_ascii=False, indent=1))
        return 0
    if not docs:
        print(f"no tickets in {args.db}")
    for doc in docs:
        print(list_line(doc, ob.deliveries_of(doc["id"])))
    return 0


def run_show(args) -> int:
    import json

    from controller.tickets.present import show_lines

    ob = _outbox(args.db)
    tid = ob.find(args.id)
    doc = ob.ticket_doc(tid, args.version)
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, indent=1))
        return 0
    print("\n".join(show_lines(doc, ob.deliveries_of(tid))))
    return 0


def run_export(args: argparse.Namespace) -> int:
    from missions.errors import UserError

    from controller.tickets.cap import cap_alert
    from controller.tickets.model import from_dict

    ob = _outbox(args.db)
    ticket = from_dict(ob.ticket_doc(ob.find(args.id), args.version))
    evidence = {e.name: ob.blob(e.sha256) for e in ticket.evidence}
    xml = cap_alert(ticket, sender=args.sender, evidence={k: v for k, v in evidence.items() if v is not None},
                    embed=args.embed_evidence)
    if args.out is None:
        print(xml.decode("utf-8"))
        return 0
    try:
        args.out.write_bytes(xml)
    except OSError as exc:
        raise UserError(f"--out {args.out}: cannot write ({exc.strerror})") from None
    print(f"wrote {args.out}")
    return 0
