"""A progress display for long work, on stderr so that --json output stays clean."""
from __future__ import annotations

import sys
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


@contextmanager
def stage_progress(enabled: bool = True):
    """Yields `update(stage, done, total)`; one bar per stage."""
    console = Console(stderr=True)
    if not enabled or not console.is_terminal:
        last = {}

        def plain(stage: str, done: int, total: int) -> None:
            if last.get("stage") != stage:
                last["stage"] = stage
                print(f"  {stage} ...", file=sys.stderr, flush=True)
        yield plain
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        tasks: dict[str, int] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)
        yield update
