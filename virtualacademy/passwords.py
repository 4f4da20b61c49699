"""Password hashing (argon2id) and the password rules."""

from __future__ import annotations

import contextlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

#: A short list of the most common passwords (and their obvious variants are caught
#: by the length rule). Checked case-insensitively.
COMMON_PASSWORDS = frozenset(
    [
        "123456",
        "123456789",
        "12345678",
        "1234567890",
        "password",
        "password1",
        "password12",
        "password123",
        "qwerty",
        "qwerty123",
        "qwertyuiop",
        "111111",
        "1234567",
        "123123",
        "abc123",
        "iloveyou",
        "000000",
        "1q2w3e4r",
        "1q2w3e4r5t",
        "qwe123",
        "letmein",
        "welcome",
        "welcome1",
        "welcome123",
        "monkey",
        "dragon",
        "football",
        "baseball",
        "sunshine",
        "princess",
        "admin",
        "admin123",
        "administrator",
        "passw0rd",
        "p@ssw0rd",
        "p@ssword",
        "changeme",
        "changeme123",
        "trustno1",
        "superman",
        "batman",
        "michael",
        "shadow",
        "master",
        "master123",
        "hello123",
        "freedom",
        "whatever",
        "987654321",
        "qazwsx",
        "zaq12wsx",
        "liverpool",
        "chelsea",
        "arsenal",
        "manchester",
        "summer2024",
        "winter2024",
        "summer2025",
        "winter2025",
        "summer2026",
        "winter2026",
        "password2024",
        "password2025",
        "password2026",
        "virtualacademy",
        "academy123",
        "school123",
        "teacher123",
        "letmein123",
        "iloveyou1",
        "princess1",
        "1234512345",
        "aaaaaaaaaa",
        "abcdefghij",
        "qwertyuiop1",
    ]
)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # Spend the same time as a real check so unknown accounts are not revealed by timing.
        _safe_dummy_verify()
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


_DUMMY_HASH = _hasher.hash("dummy password for timing")


def _safe_dummy_verify() -> None:
    with contextlib.suppress(VerificationError):
        _hasher.verify(_DUMMY_HASH, "not the password")


def password_problem(password: str, email: str | None, min_length: int) -> str | None:
    """The reason a new password is not acceptable, or None if it is fine."""
    if len(password) < min_length:
        return f"Password must be {min_length} characters or more"
    if len(password) > 200:
        return "Password must be 200 characters or fewer"
    lowered = password.strip().lower()
    if email:
        email = email.strip().lower()
        if lowered == email or lowered == email.split("@")[0]:
            return "Password must not be your email address"
    if lowered in COMMON_PASSWORDS or len(set(lowered)) <= 2:
        return "Password is too common and easy to guess; choose a different one"
    return None
