"""The mission: storage (item 0 is home) and the AP_Mission state machine that walks it.

The walk follows AP_Mission: a navigation command runs until the flight mode verifies it; the
"do" commands between two navigation commands start when the first of them completes; DO_JUMP
is followed with per-jump repeat counts (-1 repeats forever); completion hands control back to
the mode (loiter in the air, disarm on the ground). Each command start is announced as
ArduPilot does ("Mission: 3 WP") and each verified command reported through `reached`.
"""
from __future__ import annotations

from typing import Callable

from .mission_items import AP_MISSION_JUMP_REPEAT_FOREVER, DO_JUMP, TYPE_NAMES, MissionCommand

STOPPED, RUNNING, COMPLETE = 0, 1, 2


class MissionStore:
    """Commands 1..N as stored; index 0 is a placeholder that always reads back as home."""

    def __init__(self, max_items: int = 724):
        self.max_items = max_items
        self._cmds: list[MissionCommand | None] = [None]   # slot 0: home
        self.change_count = 0

    def __len__(self) -> int:
        return len(self._cmds)

    @property
    def present(self) -> bool:
        """ArduPilot's mission.present(): more than the home item."""
        return len(self._cmds) > 1

    def get(self, index: int) -> MissionCommand | None:
        if 0 < index < len(self._cmds):
            return self._cmds[index]
        return None

    def truncate(self, count: int) -> None:
        if len(self._cmds) > count:
            del self._cmds[max(1, count):]
            if count == 0:
                self._cmds = [None]
            self.change_count += 1

    def replace(self, index: int, cmd: MissionCommand) -> bool:
        if index >= len(self._cmds):
            return False
        if index > 0:
            self._cmds[index] = cmd
        self.change_count += 1
        return True

    def append(self, cmd: MissionCommand) -> bool:
        if len(self._cmds) >= self.max_items:
            return False
        self._cmds.append(cmd)
        self.change_count += 1
        return True

    def clear(self) -> None:
        self._cmds = [None]
        self.change_count += 1


class MissionRunner:
    """AP_Mission's execution state: current nav and do commands, jump counters, the update loop."""

    def __init__(self, store: MissionStore, start_fn: Callable[[int, MissionCommand], bool],
                 verify_fn: Callable[[int, MissionCommand], bool], complete_fn: Callable[[], None],
                 text: Callable[[str], None]):
        self.store = store
        self._start_fn, self._verify_fn, self._complete_fn, self._text = start_fn, verify_fn, complete_fn, text
        self.state = STOPPED
        self.nav_index: int | None = None
        self.do_index: int | None = None
        self.nav_loaded = False
        self.do_loaded = False
        self.do_all_done = False
        self._jumps: dict[int, int] = {}
        self.force_resume = False

    # --- public ---------------------------------------------------------------------------
    def start(self) -> None:
        self.state = RUNNING
        self.reset()
        if not self._advance_nav():
            self._complete()

    def stop(self) -> None:
        self.state = STOPPED

    def resume(self) -> None:
        if self.state == COMPLETE:
            self.start()
            return
        if self.state == STOPPED:
            self.state = RUNNING
            if self.nav_index is None:
                self.start()
                return
        if self.nav_index is not None and self.store.get(self.nav_index) is None:
            self.start()
            return
        if self.do_loaded and self.do_index is not None:
            self.set_current(self.do_index)
        elif self.nav_loaded and self.nav_index is not None:
            self.set_current(self.nav_index)

    def start_or_resume(self, restart: bool) -> None:
        if restart and not self.force_resume:
            self.start()
        else:
            self.resume()
            self.force_resume = False

    def reset(self) -> None:
        self.nav_loaded = self.do_loaded = self.do_all_done = False
        self.nav_index = self.do_index = None
        self._jumps.clear()

    def current_nav_index(self) -> int:
        return self.nav_index or 0

    def set_current(self, index: int) -> bool:
        """Jump to a command (MISSION_SET_CURRENT, DO_SET_MISSION_CURRENT): AP_Mission::set_current_cmd."""
        if index >= len(self.store) or len(self.store) == 1:
            return False
        self.do_index, self.do_loaded, self.do_all_done = None, False, False
        self.nav_loaded = False
        if index == 0 or self.state == COMPLETE:
            self._jumps.clear()
            index = max(index, 1)
        if self.state != RUNNING:
            found_nav = False
            i = index
            while not found_nav:
                got = self._next_cmd(i, increment_jumps=True)
                if got is None:
                    self.nav_index = None
                    return False
                j, cmd = got
                if cmd.is_nav:
                    self.nav_index, self.nav_loaded, found_nav = j, True, True
                elif not self.do_loaded:
                    self.do_index, self.do_loaded = j, True
                i = j + 1
            if not self.do_loaded:
                self.do_all_done = True
            self.state = STOPPED
            return True
        if not self._advance_nav(index):
            self._complete()
            return False
        return True

    def update(self) -> None:
        """Called by AUTO at 10 Hz or more: verify the running commands, advance when done."""
        if self.state != RUNNING or len(self.store) <= 1:
            return
        if not self.nav_loaded or self.nav_index is None:
            if not self._advance_nav():
                self._complete()
                return
        else:
            cmd = self.store.get(self.nav_index)
            if cmd is None or self._verify_fn(self.nav_index, cmd):
                self.nav_loaded = False
                if not self._advance_nav():
                    self._complete()
                    return
        if not self.do_loaded:
            self._advance_do()
        elif self.do_index is not None:
            cmd = self.store.get(self.do_index)
            if cmd is None or self._verify_fn(self.do_index, cmd):
                self.do_loaded = False

    # --- AP_Mission internals -------------------------------------------------------------------
    def _complete(self) -> None:
        self.state = COMPLETE
        self._complete_fn()

    def _start(self, index: int, cmd: MissionCommand) -> bool:
        self._text(f"Mission: {index} {TYPE_NAMES.get(cmd.id, '?')}")
        return self._start_fn(index, cmd)

    def _advance_nav(self, starting_index: int = 0) -> bool:
        if self.state != RUNNING or self.nav_loaded:
            return False
        self.do_index, self.do_loaded, self.do_all_done = None, False, False
        if starting_index > 0:
            i = starting_index
        else:
            i = 1 if self.nav_index is None else self.nav_index + 1
        max_loops = 255
        while not self.nav_loaded:
            got = self._next_cmd(i, increment_jumps=True)
            if got is None:
                return False
            j, cmd = got
            if cmd.is_nav:
                self.nav_index = j
                if self._start(j, cmd):
                    self.nav_loaded = True
                else:
                    # a nav command the mode cannot run is skipped, as ArduPilot does
                    self.nav_loaded = False
                    i = j + 1
                    max_loops -= 1
                    if max_loops <= 0:
                        return False
                    continue
            else:
                if not self.do_loaded:
                    self.do_index, self.do_loaded = j, True
                    self._start(j, cmd)
                else:
                    max_loops -= 1
                    if max_loops <= 0:
                        return False
            i = j + 1
        if not self.do_loaded:
            self.do_all_done = True
        return True

    def _advance_do(self) -> None:
        if self.state != RUNNING or self.do_all_done:
            return
        i = 1 if self.do_index is None else self.do_index + 1
        got = self._next_do(i)
        if got is None:
            self.do_all_done = True
            return
        self.do_index, self.do_loaded = got[0], True
        self._start(*got)

    def _next_do(self, start: int) -> tuple[int, MissionCommand] | None:
        if start >= len(self.store):
            return None
        got = self._next_cmd(start, increment_jumps=False)
        if got is None or got[1].is_nav:
            return None
        return got

    def _next_cmd(self, start: int, increment_jumps: bool) -> tuple[int, MissionCommand] | None:
        """AP_Mission::get_next_cmd: the first non-jump command at or after start, following jumps."""
        i = start
        max_loops = 64
        jump_index = None
        total = len(self.store)
        while i < total:
            cmd = self.store.get(i)
            if cmd is None:
                return None
            if cmd.id != DO_JUMP:
                return i, cmd
            max_loops -= 1
            if max_loops < 0:
                return None
            target, num_times = cmd.packed
            if target >= total or target == 0:
                return None
            if not increment_jumps and jump_index == i:
                return None
            if jump_index is None:
                jump_index = i
            if num_times == AP_MISSION_JUMP_REPEAT_FOREVER:
                i = target
                continue
            run = self._jumps.get(i, 0)
            if run < num_times:
                if increment_jumps:
                    self._jumps[i] = run + 1
                    self._text(f"Mission: {i} Jump {run + 1}/{num_times}")
                i = target
            else:
                i += 1
        return None
