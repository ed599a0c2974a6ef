"""Residents' phone numbers encrypted at rest and masked for display; unguessable tracking codes."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from cryptography.fernet import InvalidToken, MultiFernet

from backend import keys
from backend.config import settings
from backend.errors import Invalid

PHONE_PATTERN = re.compile(r"^1[3-9]\d{9}$", re.ASCII)
# Crockford's base32 without look-alikes (no I, L, O, U): 12 characters carry 60 random bits.
TRACKING_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TRACKING_LENGTH = 12


def _phone_keys(purpose: str) -> list[bytes]:
    """The keys of one purpose, newest first: from COMMUNITY_PHONE_KEY if set, SECRET_KEY, the previous keys."""
    return keys.purpose_keys(purpose, own_secret=settings().COMMUNITY_PHONE_KEY)


def phone_cipher() -> MultiFernet:
    """Encrypts with the newest key and decrypts with any key kept, so a rotation leaves stored phones readable."""
    return keys.cipher("phone-encryption", own_secret=settings().COMMUNITY_PHONE_KEY)


def normalize_phone(raw: str | None) -> str | None:
    """A mainland mobile number without spaces, dashes or +86, or Invalid; blank means none."""
    if raw is None or not raw.strip():
        return None
    phone = re.sub(r"[\s-]", "", raw.strip())
    phone = re.sub(r"^(\+?86)", "", phone)
    if not PHONE_PATTERN.fullmatch(phone):
        raise Invalid("手机号格式不正确，请填写 11 位手机号（如 13812341234），或留空",
                      code="invalid_phone", errors={"phone": ["应为 11 位手机号。"]})
    return phone


def encrypt_phone(phone: str) -> bytes:
    return phone_cipher().encrypt(phone.encode())


def decrypt_phone(token: bytes) -> str:
    try:
        return phone_cipher().decrypt(token).decode()
    except InvalidToken:  # its key was removed from the ring: say so rather than fail the whole page
        return "（无法解密）"




def phone_fingerprint(phone: str) -> str:
    """A keyed hash of the phone, so rate limits can count by phone without keeping it in the clear."""
    return hmac.new(_phone_keys("phone-fingerprint")[0], phone.encode(), hashlib.sha256).hexdigest()


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def normalize_tracking_code(raw: str) -> str:
    """Accept the code as people type it: lower case, spaces or dashes, O for 0 and I/L for 1."""
    code = re.sub(r"[\s-]", "", raw).upper().translate(str.maketrans("OIL", "011"))
    return code


def format_tracking_code(code: str) -> str:
    """The code in groups of four for reading aloud: ABCD-EFGH-JKMN."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))
