"""waterpatrol keys new NAME --dir DIR: a CURVE key pair for the ticket server or a partner agency."""
from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("keys", help="make CURVE key pairs for the ticket server and partner agencies")
    ks = p.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    n = ks.add_parser("new", help="write NAME.key (public) and NAME.key_secret (secret, mode 0600)",
                      description="Make a key pair. The server's is named 'server'; each agency's is named as in the "
                                  "site's agencies (e.g. fisheries). Give NAME.key to the other side; keep "
                                  "NAME.key_secret where only its owner can read it.")
    n.add_argument("name", help="'server' or an agency name")
    n.add_argument("--dir", type=Path, required=True, help="folder for the two files")
    n.add_argument("--force", action="store_true", help="replace an existing pair")
    n.set_defaults(run=run_new)


def run_new(args) -> int:
    from controller.tickets.keys import new_keypair

    files = new_keypair(args.name, args.dir, force=args.force)
    print(f"wrote {files.public} (public: give it to the other side) and {files.secret} (secret, mode 0600)")
    print(f"public key: {files.public_key}")
    return 0
