"""Errors a person can cause. The CLI prints them as one line, never a traceback."""


class UserError(Exception):
    """Base of every error caused by input (a config, a file, a flag), not by a bug."""


class ConfigError(UserError):
    """A site config that cannot be flown. The message names the file, the field path and the value."""


class PlanningError(UserError):
    """A valid config whose patrol cannot be planned (a hotspot out of battery range, say)."""
