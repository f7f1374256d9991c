"""Errors of the vehicle link: a person can cause most of them (wrong port, vehicle off)."""
from missions.errors import UserError


class VehicleError(UserError):
    """The vehicle could not be reached or refused what was asked; the message says which and why."""


class LinkLost(VehicleError):
    """The link went quiet in the middle of something."""
