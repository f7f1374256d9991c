"""waterpatrol ticket update ID STATUS: a partner moves its part of a ticket forward."""
from __future__ import annotations

STATUS_WORDS = ("received", "dispatched", "on_scene", "resolved", "false_alarm")


def register(sub) -> None:
    from .feed_cmd import add_partner_args

    p = sub.add_parser("ticket", help="act on one ticket as a partner agency")
    ts = p.add_subparsers(dest="ticket_command", required=True, metavar="ACTION")
    u = ts.add_parser("update", help="send a status change (received, dispatched, on_scene, resolved, false_alarm)",
                      description="Tell the ticket server your agency's new status for a ticket; it is recorded in the "
                                  "ticket's history and the new version goes to every agency on the ticket.")
    u.add_argument("id", help="the ticket id (UUID)")
    u.add_argument("status", help=", ".join(STATUS_WORDS))
    u.add_argument("--note", default=None, help="free text for the history")
    u.add_argument("--actor", default=None, help="who (default: your login name)")
    u.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the server (default 10)")
    add_partner_args(u)
    u.set_defaults(run=run_update)


def run_update(args) -> int:
    import getpass
    import uuid

    from missions.errors import UserError

    from controller.tickets.client import send_status

    from .feed_cmd import identity

    status = args.status.strip().lower().replace("-", "_").replace(" ", "_")
    if status not in STATUS_WORDS:
        raise UserError(f"status {args.status!r} is not one of {', '.join(STATUS_WORDS)}")
    try:
        ticket = str(uuid.UUID(args.id))
    except ValueError:
        raise UserError(f"{args.id!r} is not a ticket id (a UUID as the feed prints it in ticket.json)") from None
    actor = args.actor or getpass.getuser()
    ok = send_status(args.server, identity(args), ticket, status, actor=actor, note=args.note, timeout_s=args.timeout)
    again = " (already recorded before)" if ok.repeated else ""
    print(f"ticket {ok.ticket}: {args.agency} {status} by {actor}; now version {ok.version}{again}")
    return 0
