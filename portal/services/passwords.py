"""Password rules and hashing (argon2id)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 128
# zxcvbn scores 0..4; below 3 the password is in, or close to, its 30,000 most common passwords
# or is an easily guessed pattern (keyboard walks, repeats, dates, the user's own email).
MIN_STRENGTH = 3

_hasher = PasswordHasher()
# Verified against when the email is unknown, so both failures cost the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")


def password_problems(password: str, *, related: list[str] = ()) -> list[str]:
    """What is wrong with a new password, in words a user can act on; empty when it is fine."""
    if len(password) < MIN_LENGTH:
        return [f"Use at least {MIN_LENGTH} characters."]
    if len(password) > MAX_LENGTH:
        return [f"Use at most {MAX_LENGTH} characters."]
    verdict = zxcvbn(password, user_inputs=[word for word in related if word])
    if verdict["score"] < MIN_STRENGTH:
        warning = verdict["feedback"]["warning"] or "This password is easy to guess."
        return [f"{warning} Choose a longer phrase of unrelated words."]
    return []


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not there is a hash to check against."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
