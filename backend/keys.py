"""The keyring: a key per purpose derived from SECRET_KEY, key ids on signatures, rotation without breakage.

Everything the service signs (office QR codes, classroom screen links, live-class join codes, evidence
checkpoints) and the residents' phone-number key come from here. SECRET_KEY is the current key;
SECRET_KEYS_PREVIOUS lists retired keys still accepted (comma-separated, newest first). A new signature
is made with the current key and carries its key id (`<key id>.<mac>`); a check accepts any key still
in the ring, so a rotation breaks no printed QR code or stored checkpoint until the operator removes
the old key from SECRET_KEYS_PREVIOUS.
"""
from __future__ import annotations

import base64
import hmac
import os
import secrets
from collections.abc import Callable

import click
from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from backend.config import ROOT, settings

MIN_SECRET_BYTES = 32
DEMO_KEY_FILE = ROOT / "instance" / "secret_key"  # `make run`'s key, made once per install (git-ignored)
# The salt the residents' phone key was first derived with: kept so that stored phone numbers stay readable.
SALT = b"chengguan-community"
KEY_ID_CHARS = 8

REFUSAL = (
    "SECRET_KEY 未设置或短于 32 字节：拒绝启动，"
    "否则任何人都能伪造社区工作室二维码、大屏链接、课堂签到码和证据链检查点。"
    "请设置一个长随机值（如 python -c 'import secrets; print(secrets.token_urlsafe(48))'，见 README「密钥」），"
    "本机演示请用 make run（DEMO_MODE=1）。\n"
    "SECRET_KEY is unset or shorter than 32 bytes: refusing to start, as anyone could forge office QR codes, "
    "classroom screen links, class join codes and evidence checkpoints. Set a long random value (see the README, "
    "'Keys'), or use `make run` (DEMO_MODE=1) for a local demo."
)


class InsecureSecretKey(click.ClickException):
    """The service must not start with this SECRET_KEY (`flask` prints the message alone; gunicorn fails to boot)."""


def settle_secret_key(config: dict) -> None:
    """Use the demo key in demo mode, else refuse a missing or short key (tests may use any key)."""
    if config["DEMO_MODE"] and not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _demo_key()
    if config.get("TESTING") or config["DEMO_MODE"]:
        return
    if len(config["SECRET_KEY"].encode()) < MIN_SECRET_BYTES:
        raise InsecureSecretKey(REFUSAL)


def _demo_key() -> str:
    """The demo's key, made whole by whichever process starts first (a hard link appears at once or not at all)."""
    if not DEMO_KEY_FILE.exists():
        DEMO_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
        draft = DEMO_KEY_FILE.with_name(f"{DEMO_KEY_FILE.name}.{os.getpid()}")
        draft.write_text(secrets.token_urlsafe(48))
        draft.chmod(0o600)
        try:
            os.link(draft, DEMO_KEY_FILE)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return DEMO_KEY_FILE.read_text().strip()


def _ring(own_secret: str = "") -> list[bytes]:
    """Secrets newest first: `own_secret` (a purpose's own key, if set), SECRET_KEY, then the previous keys."""
    current = settings()
    names = [own_secret, current.SECRET_KEY, *current.SECRET_KEYS_PREVIOUS.split(",")]
    return [name.strip().encode() for name in names if name.strip()]


def _derive(secret: bytes, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=SALT, info=purpose.encode()).derive(secret)


def key_id(secret: bytes) -> str:
    """A short public name of a key (it reveals nothing of the key)."""
    return _derive(secret, "key-id").hex()[:KEY_ID_CHARS]


def purpose_keys(purpose: str, own_secret: str = "") -> list[bytes]:
    """The 32-byte keys of one purpose, the current one first (for encryption that tries each)."""
    return [_derive(secret, purpose) for secret in _ring(own_secret)]


def cipher(purpose: str, own_secret: str = "") -> MultiFernet:
    """Encryption at rest for one purpose: encrypts with the current key, decrypts with any key in the ring
    (MultiFernet.rotate re-encrypts with the current one)."""
    return MultiFernet([Fernet(base64.urlsafe_b64encode(key)) for key in purpose_keys(purpose, own_secret)])


def _mac(secret: bytes, purpose: str, message: str, size: int) -> str:
    digest = hmac.new(_derive(secret, purpose), message.encode(), "sha256").digest()[:size]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(purpose: str, message: str, size: int = 32) -> tuple[str, str]:
    """(key id, MAC of `size` bytes, URL-safe base64) of `message` with the current key's `purpose` key."""
    secret = _ring()[0]
    return key_id(secret), _mac(secret, purpose, message, size)


def verify(purpose: str, message: str, kid: str, mac: str, size: int = 32) -> bool:
    """Whether `mac` is the signature of `message` by the ring's key `kid` (current or previous)."""
    return any(hmac.compare_digest(_mac(secret, purpose, message, size).encode(), mac.encode())
               for secret in _ring() if hmac.compare_digest(key_id(secret).encode(), kid.encode()))


def seal(purpose: str, message: str, size: int = 32) -> str:
    """The signature as one token that names its key: `<key id>.<mac>`."""
    return ".".join(sign(purpose, message, size))


def unseal(purpose: str, message: str, token: str, size: int = 32) -> bool:
    """Whether `token` (from `seal`) signs `message`; any other text, even non-ASCII, is simply a mismatch."""
    kid, _, mac = (token or "").partition(".")
    return verify(purpose, message, kid, mac, size)


def matches_unversioned(signature: str, mac_with: Callable[[bytes], str]) -> bool:
    """Whether a signature made before key ids (`mac_with(raw secret)`) was made with a key still in the ring."""
    return any(hmac.compare_digest(mac_with(secret).encode(), (signature or "").encode()) for secret in _ring())


def re_encrypt_stored() -> list[tuple[str, int, int]]:
    """Encrypt every column the domains declare as encrypted (`Domain.encrypted`) again with the newest key,
    before an old one is retired: (column, re-encrypted, unreadable) for each. A value no key of the ring
    opens is left as it is and counted."""
    from cryptography.fernet import InvalidToken
    from sqlalchemy import select, update

    from backend.db import session
    from backend.domains import DOMAINS
    from backend.registry import resolve

    done = []
    for domain in DOMAINS:
        for cipher_name, columns in (domain.encrypted or {}).items():
            cipher = resolve(cipher_name)()
            for name in columns:
                column = resolve(name)
                model = column.class_
                (key,) = model.__mapper__.primary_key
                rows = session.execute(select(key, column).where(column.is_not(None))).all()
                unreadable = 0
                for row_id, token in rows:
                    try:
                        session.execute(update(model).where(key == row_id).values({column.key: cipher.rotate(token)}))
                    except InvalidToken:
                        unreadable += 1
                done.append((f"{model.__tablename__}.{column.key}", len(rows) - unreadable, unreadable))
    return done
