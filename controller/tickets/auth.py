"""ZAP authentication: only the agencies' public keys get in, and each connection's User-Id is its agency.

libzmq asks the ZAP handler (a thread bound to inproc://zeromq.zap.01 in the socket's context)
about every CURVE handshake; without a handler it lets every key in. This one accepts exactly the
configured keys and names the agency as the User-Id, which libzmq then attaches to every message
from that connection (`frame.get("User-Id")`): the agency comes from the key, never from the message.
"""
from __future__ import annotations

import logging

import zmq
from zmq.auth.thread import ThreadAuthenticator
from zmq.utils import z85

ZAP_DOMAIN = "waterpatrol"
log = logging.getLogger("waterpatrol.tickets.auth")


class _KnownKeys:
    def __init__(self, agencies_by_key: dict[bytes, str]):
        self.agencies_by_key = agencies_by_key

    def callback(self, domain: str, key: bytes) -> bool:
        agency = self.agencies_by_key.get(key)
        if agency is None:
            log.warning("refused a CURVE key that belongs to no agency: %s...", key[:8].decode("ascii", "replace"))
        return agency is not None


class AgencyAuthenticator(ThreadAuthenticator):
    def __init__(self, context: zmq.Context, agency_keys: dict[str, bytes]):
        super().__init__(context=context, log=logging.getLogger("waterpatrol.tickets.zap"))
        by_key: dict[bytes, str] = {}
        for agency, key in agency_keys.items():
            if key in by_key:
                raise ValueError(f"agencies {by_key[key]} and {agency} have the same public key")
            by_key[key] = agency
        self.agencies_by_key = by_key
        self.configure_curve_callback(ZAP_DOMAIN, credentials_provider=_KnownKeys(by_key))

    def curve_user_id(self, client_public_key: bytes) -> str:
        return self.agencies_by_key[z85.encode(client_public_key)]
