"""Tickets to partner agencies: routed, committed to a SQLite outbox, sent over ZeroMQ with CURVE, acknowledged.

The controller's pipeline hands each confirmed anomaly over as an `AnomalyReport`; `TicketServer`
(in-process: start, submit, stop) commits its ticket and delivers it. Partners run `FeedClient`
(`waterpatrol feed`). The wire protocol is docs/protocol.md; the ticket schema is `model.SCHEMA`.
"""
from .report import AnomalyReport

__all__ = ["AnomalyReport", "TicketServer", "ServerConfig", "TicketDesk", "FeedClient", "FeedStore"]


def __getattr__(name):  # the sockets and the site geometry load only when asked for
    if name in ("TicketServer", "ServerConfig"):
        from . import server
        return getattr(server, name)
    if name == "TicketDesk":
        from .desk import TicketDesk
        return TicketDesk
    if name == "FeedClient":
        from .client import FeedClient
        return FeedClient
    if name == "FeedStore":
        from .feedstore import FeedStore
        return FeedStore
    raise AttributeError(name)
