"""Request signing: round trip, and every tampering is detected."""

from __future__ import annotations

import pytest

from clinician_desk.sync.signing import (
    SignatureError,
    content_digest,
    decode_public_key,
    generate_device_key,
    parse_signed_request,
    public_key_b64,
    sign_request,
)

PATH = "/api/v1/counts/01611920130229/2026-09"


def signed(body: bytes = b'{"x":1}') -> tuple[dict[str, str], bytes]:
    key = generate_device_key()
    headers = sign_request(
        "PUT", PATH, body, device_id="dev_abcdefgh12", private_key=key, created=1_790_000_000
    )
    return headers, decode_public_key(public_key_b64(key))


def test_round_trip() -> None:
    headers, pub = signed()
    req = parse_signed_request("PUT", PATH, b'{"x":1}', headers)
    assert req.keyid == "dev_abcdefgh12"
    assert req.created == 1_790_000_000
    req.verify(pub)
    assert headers["Content-Digest"] == content_digest(b'{"x":1}')
    assert headers["Content-Digest"].startswith("sha-256=:")


def test_tampered_body_path_method_and_key() -> None:
    headers, pub = signed()
    with pytest.raises(SignatureError, match="Digest"):
        parse_signed_request("PUT", PATH, b'{"x":2}', headers)
    with pytest.raises(SignatureError):
        parse_signed_request("PUT", PATH.replace("09", "10"), b'{"x":1}', headers).verify(pub)
    with pytest.raises(SignatureError):
        parse_signed_request("POST", PATH, b'{"x":1}', headers).verify(pub)
    other = decode_public_key(public_key_b64(generate_device_key()))
    with pytest.raises(SignatureError):
        parse_signed_request("PUT", PATH, b'{"x":1}', headers).verify(other)
    moved = dict(
        headers,
        **{
            "Signature-Input": headers["Signature-Input"].replace(
                "created=1790000000", "created=1790000001"
            )
        },
    )
    with pytest.raises(SignatureError):
        parse_signed_request("PUT", PATH, b'{"x":1}', moved).verify(pub)


@pytest.mark.parametrize(
    "header", ["Content-Digest", "Idempotency-Key", "Signature-Input", "Signature"]
)
def test_missing_or_garbage_headers(header: str) -> None:
    headers, _ = signed()
    without = {k: v for k, v in headers.items() if k != header}
    with pytest.raises(SignatureError, match="missing"):
        parse_signed_request("PUT", PATH, b'{"x":1}', without)
    garbage = dict(headers, **{header: "' OR 1=1 --"})
    with pytest.raises(SignatureError):
        parse_signed_request("PUT", PATH, b'{"x":1}', garbage)


def test_bad_public_key_text() -> None:
    with pytest.raises(SignatureError):
        decode_public_key("not base64!")
    with pytest.raises(SignatureError):
        decode_public_key("AAAA")
