"""The request signature and ``Content-Digest`` against published vectors, not only against
themselves.

Sources (vectors copied exactly; RFC 8792 line wrapping undone):

- RFC 9421 "HTTP Message Signatures", Appendix B.1.4 (the Ed25519 test key) and Appendix B.2.6
  ("Signing a Request Using ed25519": its signature base and its ``sig-b26`` signature).
  Ed25519 is deterministic, so signing the published base with the published key must give the
  published signature byte for byte.
- RFC 9530 "Digest Fields", Appendix B.1 (``{"hello": "world"}`` plus LF), B.2 (empty content)
  and B.3 (the partial content ``"world"}`` plus LF), each a ``sha-256`` ``Content-Digest``.

Then the whole profile is checked against an independent implementation of both RFCs,
``http-message-signatures`` (a test-only dependency): it verifies what ``sign_request`` writes,
and our parser verifies what it signs with our profile's components.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import http_message_signatures as hms
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from http_message_signatures import algorithms
from http_message_signatures.digests import ContentDigest

from clinician_desk.sync import signing

# RFC 9421 Appendix B.1.4, "Example Ed25519 Test Key".
RFC9421_B14_PRIVATE_PEM = b"""-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----
"""
RFC9421_B14_PUBLIC_X = "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs"  # the JWK "x" (base64url)

# RFC 9421 Appendix B.2.6: the covered components of the test request and the base they give.
B26_COMPONENTS = [
    ("date", "Tue, 20 Apr 2021 02:07:55 GMT"),
    ("@method", "POST"),
    ("@path", "/foo"),
    ("@authority", "example.com"),
    ("content-type", "application/json"),
    ("content-length", "18"),
]
B26_SIGNATURE_INPUT = (
    'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length")'
    ';created=1618884473;keyid="test-key-ed25519"'
)
B26_SIGNATURE_BASE = (
    b'"date": Tue, 20 Apr 2021 02:07:55 GMT\n'
    b'"@method": POST\n'
    b'"@path": /foo\n'
    b'"@authority": example.com\n'
    b'"content-type": application/json\n'
    b'"content-length": 18\n'
    b'"@signature-params": ("date" "@method" "@path" "@authority" "content-type" '
    b'"content-length");created=1618884473;keyid="test-key-ed25519"'
)
B26_SIGNATURE = (
    "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPp"
    "BKRCw==:"
)

# RFC 9530 Appendix B.1, B.2 and B.3.
RFC9530_DIGESTS = [
    (b'{"hello": "world"}\n', "sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:"),
    (b"", "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"),
    (b'"world"}\n', "sha-256=:jjcgBDWNAtbYUXI37CVG3gRuGOAjaaDRGpIUFsdyepQ=:"),
]


def _b26_key() -> Ed25519PrivateKey:
    key = load_pem_private_key(RFC9421_B14_PRIVATE_PEM, password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_rfc9421_b14_key_pair_is_the_published_one() -> None:
    raw = base64.b64decode(signing.public_key_b64(_b26_key()))
    assert raw == _b64url(RFC9421_B14_PUBLIC_X)


def test_rfc9421_b26_signature_base_is_built_exactly() -> None:
    params = signing.serialize_signature_params(
        [name for name, _ in B26_COMPONENTS], created=1618884473, keyid="test-key-ed25519", alg=None
    )
    assert "sig-b26=" + params == B26_SIGNATURE_INPUT
    assert signing.build_signature_base(B26_COMPONENTS, params) == B26_SIGNATURE_BASE


def test_rfc9421_b26_signature_is_reproduced_and_verifies() -> None:
    expected = base64.b64decode(B26_SIGNATURE.removeprefix("sig-b26=:").removesuffix(":"))
    assert _b26_key().sign(B26_SIGNATURE_BASE) == expected
    Ed25519PublicKey.from_public_bytes(_b64url(RFC9421_B14_PUBLIC_X)).verify(
        expected, B26_SIGNATURE_BASE
    )


@pytest.mark.parametrize(("body", "published"), RFC9530_DIGESTS)
def test_rfc9530_content_digest_examples(body: bytes, published: str) -> None:
    assert signing.content_digest(body) == published


def _prepared(body: bytes, headers: dict[str, str]) -> requests.PreparedRequest:
    url = "https://counts.example.org/api/v1/counts/99100006000001/2026-09"
    return requests.Request("PUT", url, data=body, headers=headers).prepare()


def test_independent_implementation_verifies_our_signature_and_digest() -> None:
    key = _b26_key()
    body = b'{"schema":"clinician-desk/counts/1","cells":[]}'
    created = int(datetime(2026, 9, 14, 15, 0, tzinfo=UTC).timestamp())
    headers = signing.sign_request(
        "PUT",
        "/api/v1/counts/99100006000001/2026-09",
        body,
        device_id="dev_fictional_0001",
        private_key=key,
        created=created,
        idempotency_key="k" * 24,
    )
    ContentDigest.verify(headers["Content-Digest"], body)  # raises on a mismatch

    class Keys(hms.HTTPSignatureKeyResolver):  # type: ignore[misc]
        def resolve_public_key(self, key_id: str) -> Ed25519PublicKey:
            assert key_id == "dev_fictional_0001"
            return key.public_key()

    verifier = hms.HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=Keys())
    [result] = verifier.verify(_prepared(body, headers), max_age=None)
    covered = [name.strip('"') for name in result.covered_components]
    assert covered == [*signing.COMPONENT_IDS, "@signature-params"]

    tampered = dict(headers, **{"Idempotency-Key": "t" * 24})
    with pytest.raises(hms.InvalidSignature):
        verifier.verify(_prepared(body, tampered), max_age=None)


def test_our_parser_verifies_a_signature_made_by_the_independent_implementation() -> None:
    key = _b26_key()
    body = b'{"schema":"clinician-desk/counts/1","cells":[]}'

    class Keys(hms.HTTPSignatureKeyResolver):  # type: ignore[misc]
        def resolve_private_key(self, key_id: str) -> Ed25519PrivateKey:
            return key

    request = _prepared(body, {"Idempotency-Key": "i" * 24})
    signer = hms.HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=Keys())
    signer.sign(
        request,
        key_id="dev_fictional_0001",
        created=datetime(2026, 9, 14, 15, 0, tzinfo=UTC),
        label="sig1",
        covered_component_ids=signing.COMPONENT_IDS,
        body=body,  # it writes its own Content-Digest
    )
    assert request.headers["Content-Digest"] == ContentDigest.create(body)
    parsed = signing.parse_signed_request(
        "PUT", "/api/v1/counts/99100006000001/2026-09", body, dict(request.headers)
    )
    parsed.verify(base64.b64decode(signing.public_key_b64(key)))
    assert parsed.keyid == "dev_fictional_0001"


ANCHOR = base64.b64encode(bytes(range(68))).decode()  # a well-formed, fictional anchor


def test_the_anchored_profile_interoperates_both_ways() -> None:
    """The five-component profile (``Audit-Anchor`` covered): the independent implementation
    verifies ours, ours verifies its, and changing the header breaks the signature."""
    key = _b26_key()
    body = b'{"schema":"clinician-desk/counts/1","cells":[]}'
    path = "/api/v1/counts/99100006000001/2026-09"
    created = datetime(2026, 9, 14, 15, 0, tzinfo=UTC)
    headers = signing.sign_request(
        "PUT",
        path,
        body,
        device_id="dev_fictional_0001",
        private_key=key,
        created=int(created.timestamp()),
        idempotency_key="k" * 24,
        anchor=ANCHOR,
    )

    class Keys(hms.HTTPSignatureKeyResolver):  # type: ignore[misc]
        def resolve_public_key(self, key_id: str) -> Ed25519PublicKey:
            return key.public_key()

        def resolve_private_key(self, key_id: str) -> Ed25519PrivateKey:
            return key

    verifier = hms.HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=Keys())
    [result] = verifier.verify(_prepared(body, headers), max_age=None)
    covered = [name.strip('"') for name in result.covered_components]
    assert covered == [*signing.ANCHORED_COMPONENT_IDS, "@signature-params"]
    other = base64.b64encode(bytes(range(1, 69))).decode()
    with pytest.raises(hms.InvalidSignature):
        verifier.verify(_prepared(body, dict(headers, **{"Audit-Anchor": other})), max_age=None)

    request = _prepared(body, {"Idempotency-Key": "i" * 24, "Audit-Anchor": ANCHOR})
    signer = hms.HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=Keys())
    signer.sign(
        request,
        key_id="dev_fictional_0001",
        created=created,
        label="sig1",
        covered_component_ids=signing.ANCHORED_COMPONENT_IDS,
        body=body,
    )
    parsed = signing.parse_signed_request("PUT", path, body, dict(request.headers))
    parsed.verify(base64.b64decode(signing.public_key_b64(key)))
    assert parsed.anchor == ANCHOR
