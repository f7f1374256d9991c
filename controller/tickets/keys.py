"""CURVE key pairs in files: NAME.key (public, to give away) and NAME.key_secret (secret, mode 0600).

The files are ZeroMQ's certificate format (ZPL), readable by `zmq.auth.load_certificate` and by
czmq's zcert, so a partner's own client can use them as they are. The secret file is created
0600 from the start (never written first and narrowed later) and refused when others can read it.
"""
from __future__ import annotations

import datetime
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import zmq
import zmq.auth
from zmq.utils import z85

from missions.errors import UserError

KEY_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
SERVER = "server"  # the server's own pair, by convention, in the server's key folder


@dataclass(frozen=True)
class KeyFiles:
    public: Path
    secret: Path
    public_key: str  # Z85, 40 characters


def paths(folder: str | Path, name: str) -> tuple[Path, Path]:
    folder = Path(folder)
    return folder / f"{name}.key", folder / f"{name}.key_secret"


def _zpl(name: str, public: str, secret: str | None) -> str:
    kind = "SECRET key: keep it, never send it" if secret else "public key: give it to the other side"
    lines = [f"#   waterpatrol CURVE {kind}",
             f"#   made {datetime.datetime.now().isoformat(timespec='seconds')}",
             "metadata", f'    name = "{name}"', "curve", f'    public-key = "{public}"']
    if secret:
        lines.append(f'    secret-key = "{secret}"')
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str, mode: int, force: bool) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (os.O_TRUNC if force else os.O_EXCL)
    try:
        fd = os.open(path, flags, mode)
    except FileExistsError:
        raise UserError(f"{path} exists already; remove it or pass --force to replace the key pair") from None
    try:
        os.fchmod(fd, mode)  # O_CREAT's mode is masked by umask, and an existing file keeps its mode
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def new_keypair(name: str, folder: str | Path, *, force: bool = False) -> KeyFiles:
    if not KEY_NAME.match(name):
        raise UserError(f"key name {name!r} must be lower-case letters, digits and _ (an agency's name, or 'server')")
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"--dir {folder}: cannot create ({exc.strerror})") from None
    public_path, secret_path = paths(folder, name)
    if not force:
        for p in (public_path, secret_path):
            if p.exists():
                raise UserError(f"{p} exists already; remove it or pass --force to replace the key pair")
    public, secret = (k.decode("ascii") for k in zmq.curve_keypair())
    _write(secret_path, _zpl(name, public, secret), 0o600, force)
    _write(public_path, _zpl(name, public, None), 0o644, force)
    return KeyFiles(public_path, secret_path, public)


def load_public(path: str | Path) -> bytes:
    path = Path(path)
    public, _ = _load(path)
    return public


def load_secret(path: str | Path) -> tuple[bytes, bytes]:
    """(public, secret) from a secret key file that only its owner can read."""
    path = Path(path)
    public, secret = _load(path)
    if secret is None:
        raise UserError(f"{path}: holds no secret key (is it the .key_secret file?)")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise UserError(f"{path}: secret key is readable by others (mode {mode:04o}); run chmod 600 {path}")
    return public, secret


def _load(path: Path) -> tuple[bytes, bytes | None]:
    if not path.is_file():
        raise UserError(f"{path}: no key file there (make one with `waterpatrol keys new NAME --dir DIR`)")
    try:
        public, secret = zmq.auth.load_certificate(path)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not a CURVE key file ({exc})") from None
    for what, key in (("public-key", public), ("secret-key", secret)):
        if key is None:
            continue
        try:
            if len(key) != 40 or len(z85.decode(key)) != 32:
                raise ValueError
        except ValueError:
            raise UserError(f"{path}: {what} is not a 40-character Z85 CURVE key") from None
    return public, secret
