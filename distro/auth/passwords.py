"""Password hashing with Argon2id at OWASP's parameters; older hashes upgraded as their owners sign in."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP's Password Storage Cheat Sheet's Argon2id setting: 19 MiB, 2 passes, 1 lane. argon2-cffi's default (RFC
# 9106's low-memory one, 64 MiB over 4 lanes) made each sign-in take 64 MiB in a web process, whose threads sign
# people in at once: four at a time was 256 MiB on top of the app, beyond a web process's 200 MB budget.
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)

MIN_PASSWORD_LENGTH = 10


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when the account does not exist, so a login takes as long either way.

    Made on first use, not at import: the workers, the cron and every command import this module and never verify.
    """
    return _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    """Return an Argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when password matches the hash; spends the same work when there is no hash."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def upgraded_hash(password_hash: str, password: str) -> str | None:
    """A new hash of the (just verified) password when the stored one was made with other parameters, else None."""
    return hash_password(password) if _hasher.check_needs_rehash(password_hash) else None
