"""Password hashing with argon2id."""

from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

# argon2-cffi's defaults are RFC 9106's low-memory profile: argon2id, t=3, m=64 MiB, p=4.
PRODUCTION = PasswordHasher()
# Only for the test suite (FAST_PASSWORD_HASHING): hundreds of logins would take minutes otherwise.
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
# One-time passwords are random (10 characters of 31: about 49 bits), shown once and replaced at
# the first login: the slow profile protects passwords people choose, which these are not. At
# about 4 ms a hash instead of 100-200 ms, a sheet of 200 activation slips is made in a second.
# A login with one still costs a full verification (verify_password pads it), so the login page
# does not tell which accounts wait for their first login.
ONE_TIME = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


def _hasher() -> PasswordHasher:
    return FAST if current_app.config.get("FAST_PASSWORD_HASHING") else PRODUCTION


def hash_password(raw: str) -> str:
    """Hash a password with the configured argon2id parameters."""
    return _hasher().hash(raw)


def hash_one_time(raw: str) -> str:
    """Hash a random one-time password with the light profile (the test profile in tests)."""
    return FAST.hash(raw) if current_app.config.get("FAST_PASSWORD_HASHING") else ONE_TIME.hash(raw)


def verify_password(password_hash: str, raw: str) -> bool:
    """Check a password against its hash without raising, in the same time whatever the hash."""
    try:
        ok = _hasher().verify(password_hash, raw)
    except VerificationError:
        ok = False
    except InvalidHashError:
        # An account without a password yet (a roster import stores an empty hash) would
        # otherwise answer at once and tell anyone which membership numbers exist.
        dummy_verify(raw)
        return False
    if _lighter(password_hash):
        # A one-time password's light hash answers in milliseconds: spend a full check's time.
        dummy_verify(raw)
    return ok


def _lighter(password_hash: str) -> bool:
    """Whether the hash was made with less work than the current profile asks."""
    current = _hasher()
    try:
        made = extract_parameters(password_hash)
    except InvalidHashError:
        return False
    return made.memory_cost < current.memory_cost or made.time_cost < current.time_cost


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
