"""The `waterpatrol` command: one sub-command per module, found by name from here down.

Every `controller/cli/*_cmd.py` module, and the `cli` module of `sim` and `vision`, has
`register(subparsers)`, which adds its command(s) and sets `run` on each parser. The CLI is the
only place that wires the packages together; `sim` is reached here by name only, never imported
by the code that flies.

A user error (a bad config, a wrong port, a missing file) is printed as one line and exits 2;
only a bug shows a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import pkgutil
import sys
from pathlib import Path

from missions.errors import UserError

OTHER_COMMAND_MODULES = ("sim.cli", "sim.render_cli", "vision.cli")


def command_modules() -> list[str]:
    here = [f"controller.cli.{m.name}" for m in pkgutil.iter_modules([str(Path(__file__).parent)])
            if m.name.endswith("_cmd")]
    return sorted(here) + [m for m in OTHER_COMMAND_MODULES if importlib.util.find_spec(m) is not None]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="waterpatrol",
        description="Drone patrols of lakes, rivers and dumping hotspots: plan, fly, detect, alert.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in command_modules():
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except UserError as exc:
        print(f"waterpatrol {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"waterpatrol {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `waterpatrol ... | head`: the reader left, nothing is wrong
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
