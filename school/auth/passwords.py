"""Password hashing with argon2id."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

# argon2-cffi's defaults are RFC 9106's low-memory profile: argon2id, t=3, m=64 MiB, p=4.
PRODUCTION = PasswordHasher()
# Only for the test suite (FAST_PASSWORD_HASHING): hundreds of logins would take minutes otherwise.
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _hasher() -> PasswordHasher:
    return FAST if current_app.config.get("FAST_PASSWORD_HASHING") else PRODUCTION


def hash_password(raw: str) -> str:
    """Hash a password with the configured argon2id parameters."""
    return _hasher().hash(raw)


def verify_password(password_hash: str, raw: str) -> bool:
    """Check a password against its hash without raising, in the same time whatever the hash."""
    try:
        return _hasher().verify(password_hash, raw)
    except VerificationError:
        return False
    except InvalidHashError:
        # An account without a password yet (a roster import stores an empty hash) would
        # otherwise answer at once and tell anyone which membership numbers exist.
        dummy_verify(raw)
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with parameters other than the current ones."""
    return _hasher().check_needs_rehash(password_hash)


# Verified against when the username is unknown, so both cases take the same time.
def dummy_verify(raw: str) -> None:
    """Spend the same time as a real check, for unknown usernames."""
    verify_password(_dummy_hash(), raw)


_DUMMY: dict[bool, str] = {}


def _dummy_hash() -> str:
    fast = bool(current_app.config.get("FAST_PASSWORD_HASHING"))
    if fast not in _DUMMY:
        _DUMMY[fast] = _hasher().hash("not-a-password")
    return _DUMMY[fast]
