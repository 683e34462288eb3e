"""Ed25519 request signing for the counts protocol (an RFC 9421 profile), used by both sides.

A device signs every ``PUT /api/v1/counts/…`` with the Ed25519 key it enrolled. Headers sent::

    Content-Digest:  sha-256=:<base64 SHA-256 of the body>:          (RFC 9530)
    Idempotency-Key: <16–64 chars of [A-Za-z0-9_-]>
    Signature-Input: sig1=("@method" "@path" "content-digest" "idempotency-key")
                     ;created=<unix>;keyid="<device_id>";alg="ed25519"     (one line, no spaces)
    Signature:       sig1=:<base64 Ed25519 signature>:

The signature base (RFC 9421 §2.5) is these five lines joined by ``\\n`` (no trailing newline)::

    "@method": PUT
    "@path": /api/v1/counts/01611920130229/2026-09
    "content-digest": sha-256=:…:
    "idempotency-key": 3f1c…
    "@signature-params": ("@method" "@path" "content-digest" "idempotency-key");created=…;
                         keyid="dev_…";alg="ed25519"                   (one line, no spaces)

A request may carry the device's audit anchor (``storage.anchors``) in an ``Audit-Anchor``
header (92 characters of base64). The header is then covered by the signature as a fifth
component, ``"audit-anchor"``, after the four above (``ANCHORED_COMPONENT_IDS``); a request with
the header and the four-component list, or the five-component list and no header, is refused,
so an anchor can be neither added, removed nor changed by anyone but the device.

Only these two exact component lists, label ``sig1`` and ``alg="ed25519"`` are accepted.
``@path`` is the request path as sent (no query). ``created`` is checked by the server against
its clock (±10 minutes). Public keys travel as standard base64 of the 32 raw bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from clinician_desk.errors import SyncError

COMPONENT_IDS = ("@method", "@path", "content-digest", "idempotency-key")
COMPONENTS = '("@method" "@path" "content-digest" "idempotency-key")'
ANCHOR_HEADER = "Audit-Anchor"
ANCHORED_COMPONENT_IDS = (*COMPONENT_IDS, "audit-anchor")
_ANCHOR = re.compile(r"^[A-Za-z0-9+/]{91}=$")  # base64 of 68 bytes (storage.anchors)
MAX_SKEW_SECONDS = 600
_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_SIG_INPUT = re.compile(
    r'^sig1=\("@method" "@path" "content-digest" "idempotency-key"'
    r'(?P<anchored> "audit-anchor")?\)'
    r';created=(?P<created>[0-9]{1,12});keyid="(?P<keyid>[A-Za-z0-9_-]{1,80})";alg="ed25519"$'
)
_SIGNATURE = re.compile(r"^sig1=:(?P<sig>[A-Za-z0-9+/]{86}==):$")
_DIGEST = re.compile(r"^sha-256=:(?P<d>[A-Za-z0-9+/]{43}=):$")


class SignatureError(SyncError):
    """A request's signature headers are missing, malformed or do not verify."""


def content_digest(body: bytes) -> str:
    """RFC 9530 ``Content-Digest`` value for ``body``."""
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)


def generate_device_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def public_key_b64(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return base64.b64encode(pub.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def decode_public_key(text: str) -> bytes:
    """Raw 32 bytes from base64 text; raises SignatureError when it is not an Ed25519 key."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
        Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, binascii.Error, UnicodeEncodeError):
        raise SignatureError("device_public_key: not a base64 Ed25519 public key") from None
    return raw


def serialize_signature_params(
    component_ids: Sequence[str], *, created: int, keyid: str, alg: str | None
) -> str:
    """The ``@signature-params`` value (RFC 9421 §2.3): the inner list, then its parameters."""
    inner = "(" + " ".join(f'"{name}"' for name in component_ids) + ")"
    tail = f';alg="{alg}"' if alg is not None else ""
    return f'{inner};created={created};keyid="{keyid}"{tail}'


def build_signature_base(components: Sequence[tuple[str, str]], params: str) -> bytes:
    """RFC 9421 §2.5: one ``"<name>": <value>`` line per covered component, in order, then
    the ``"@signature-params"`` line; joined by ``\\n`` with no trailing newline."""
    lines = [f'"{name}": {value}' for name, value in components]
    lines.append(f'"@signature-params": {params}')
    return "\n".join(lines).encode()


def signature_params(created: int, keyid: str, *, anchored: bool = False) -> str:
    ids = ANCHORED_COMPONENT_IDS if anchored else COMPONENT_IDS
    return serialize_signature_params(ids, created=created, keyid=keyid, alg="ed25519")


def signature_base(
    method: str,
    path: str,
    digest: str,
    idempotency_key: str,
    params: str,
    anchor: str | None = None,
) -> bytes:
    values: tuple[str, ...] = (method.upper(), path, digest, idempotency_key)
    ids: tuple[str, ...] = COMPONENT_IDS
    if anchor is not None:
        values, ids = (*values, anchor), ANCHORED_COMPONENT_IDS
    return build_signature_base(list(zip(ids, values, strict=True)), params)


def sign_request(
    method: str,
    path: str,
    body: bytes,
    *,
    device_id: str,
    private_key: Ed25519PrivateKey,
    created: int,
    idempotency_key: str | None = None,
    anchor: str | None = None,
) -> dict[str, str]:
    """Headers to add: Content-Digest, Idempotency-Key, Signature-Input and Signature, and
    ``Audit-Anchor`` (covered by the signature) when ``anchor`` is given."""
    key = idempotency_key or new_idempotency_key()
    if not _IDEMPOTENCY_KEY.match(key):
        raise SignatureError("Idempotency-Key must be 16–64 characters of [A-Za-z0-9_-]")
    if anchor is not None and not _ANCHOR.match(anchor):
        raise SignatureError("Audit-Anchor must be 92 characters of base64")
    digest = content_digest(body)
    params = signature_params(created, device_id, anchored=anchor is not None)
    sig = private_key.sign(signature_base(method, path, digest, key, params, anchor))
    headers = {
        "Content-Digest": digest,
        "Idempotency-Key": key,
        "Signature-Input": f"sig1={params}",
        "Signature": "sig1=:" + base64.b64encode(sig).decode() + ":",
    }
    if anchor is not None:
        headers[ANCHOR_HEADER] = anchor
    return headers


@dataclass(frozen=True)
class SignedRequest:
    """A request whose signature headers parsed and whose digest matches the body."""

    keyid: str
    created: int
    idempotency_key: str
    digest: str
    base: bytes
    signature: bytes
    #: the ``Audit-Anchor`` header, covered by the signature; None when the request has none.
    anchor: str | None = None

    def verify(self, public_key_raw: bytes) -> None:
        """Raise SignatureError unless the signature verifies with this Ed25519 public key."""
        try:
            Ed25519PublicKey.from_public_bytes(public_key_raw).verify(self.signature, self.base)
        except (InvalidSignature, ValueError):
            raise SignatureError("signature does not verify") from None


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        value = headers.get(name.lower())
    if value is None:
        raise SignatureError(f"missing {name} header")
    return value


def parse_signed_request(
    method: str, path: str, body: bytes, headers: Mapping[str, str]
) -> SignedRequest:
    """Parse the signature headers and check the body digest (not yet the signature itself).

    ``headers`` is case-insensitive (e.g. Starlette's) or uses canonical/lower-case names.
    """
    digest = _header(headers, "Content-Digest").strip()
    if not _DIGEST.match(digest):
        raise SignatureError("Content-Digest must be sha-256=:<base64>:")
    if digest != content_digest(body):
        raise SignatureError("Content-Digest does not match the body")
    key = _header(headers, "Idempotency-Key").strip()
    if not _IDEMPOTENCY_KEY.match(key):
        raise SignatureError("Idempotency-Key must be 16–64 characters of [A-Za-z0-9_-]")
    m = _SIG_INPUT.match(_header(headers, "Signature-Input").strip())
    if not m:
        raise SignatureError("Signature-Input is not the accepted form (see the protocol docs)")
    s = _SIGNATURE.match(_header(headers, "Signature").strip())
    if not s:
        raise SignatureError("Signature must be sig1=:<base64 Ed25519 signature>:")
    anchor = headers.get(ANCHOR_HEADER)
    if anchor is None:
        anchor = headers.get(ANCHOR_HEADER.lower())
    anchored = m.group("anchored") is not None
    if anchor is not None and not anchored:
        raise SignatureError("the Audit-Anchor header is not covered by the signature")
    if anchor is None and anchored:
        raise SignatureError("Signature-Input covers audit-anchor but there is no such header")
    if anchor is not None:
        anchor = anchor.strip()
        if not _ANCHOR.match(anchor):
            raise SignatureError("Audit-Anchor must be 92 characters of base64")
    created = int(m.group("created"))
    params = signature_params(created, m.group("keyid"), anchored=anchored)
    return SignedRequest(
        keyid=m.group("keyid"),
        created=created,
        idempotency_key=key,
        digest=digest,
        base=signature_base(method, path, digest, key, params, anchor),
        signature=base64.b64decode(s.group("sig")),
        anchor=anchor,
    )
