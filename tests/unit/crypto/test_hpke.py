"""HPKE base mode against RFC 9180 appendix A.2 (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
ChaCha20-Poly1305) and against cryptography's own HPKE in both directions."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite

from clinician_desk.crypto import hpke

# RFC 9180, A.2.1 (base setup information and the first two encryptions).
INFO = bytes.fromhex("4f6465206f6e2061204772656369616e2055726e")
SK_EM = bytes.fromhex("f4ec9b33b792c372c1d2c2063507b684ef925b8c75a42dbcbf57d63ccd381600")
SK_RM = bytes.fromhex("8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb")
PK_RM = bytes.fromhex("4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a")
ENC = bytes.fromhex("1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a")
SHARED = bytes.fromhex("0bbe78490412b4bbea4812666f7916932b828bba79942424abb65244930d69a7")
KEY = bytes.fromhex("ad2744de8e17f4ebba575b3f5f5a8fa1f69c2a07f6e7500bc60ca6e3e3ec1c91")
BASE_NONCE = bytes.fromhex("5c4d98150661b848853b547f")
PT = bytes.fromhex("4265617574792069732074727574682c20747275746820626561757479")
AAD0 = bytes.fromhex("436f756e742d30")
CT0 = bytes.fromhex(
    "1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c62ce81883d2dd1b51a28"
)


def test_the_key_schedule_matches_rfc_9180_a2() -> None:
    recipient = X25519PrivateKey.from_private_bytes(SK_RM)
    assert recipient.public_key().public_bytes_raw() == PK_RM
    shared, enc = hpke.encap(recipient.public_key(), X25519PrivateKey.from_private_bytes(SK_EM))
    assert enc == ENC
    assert shared == SHARED
    assert hpke.decap(ENC, recipient) == SHARED
    assert hpke.key_schedule(SHARED, INFO) == (KEY, BASE_NONCE)


def test_seal_and_open_match_rfc_9180_a2_sequence_0() -> None:
    recipient = X25519PrivateKey.from_private_bytes(SK_RM)
    enc, ct = hpke.seal(
        recipient.public_key(),
        PT,
        info=INFO,
        aad=AAD0,
        ephemeral=X25519PrivateKey.from_private_bytes(SK_EM),
    )
    assert (enc, ct) == (ENC, CT0)
    assert hpke.open_(recipient, ENC, CT0, info=INFO, aad=AAD0) == PT


@pytest.mark.parametrize("what", ["enc", "ct", "info", "aad", "key"])
def test_anything_altered_does_not_open(what: str) -> None:
    recipient = X25519PrivateKey.from_private_bytes(SK_RM)
    enc, ct, info, aad = bytearray(ENC), bytearray(CT0), bytearray(INFO), bytearray(AAD0)
    key = recipient
    if what == "key":
        key = X25519PrivateKey.generate()
    else:
        target = {"enc": enc, "ct": ct, "info": info, "aad": aad}[what]
        target[0] ^= 1
    with pytest.raises(hpke.HpkeError):
        hpke.open_(key, bytes(enc), bytes(ct), info=bytes(info), aad=bytes(aad))


def test_it_interoperates_with_cryptography_hpke_both_ways() -> None:
    suite = Suite(KEM.X25519, KDF.HKDF_SHA256, AEAD.CHACHA20_POLY1305)
    recipient = X25519PrivateKey.generate()
    ours_enc, ours_ct = hpke.seal(recipient.public_key(), b"fictional payload", info=b"ctx")
    assert suite.decrypt(ours_enc + ours_ct, recipient, info=b"ctx") == b"fictional payload"
    theirs = suite.encrypt(b"another fictional payload", recipient.public_key(), info=b"ctx")
    opened = hpke.open_(recipient, theirs[:32], theirs[32:], info=b"ctx")
    assert opened == b"another fictional payload"


def test_a_short_enc_is_refused() -> None:
    with pytest.raises(hpke.HpkeError):
        hpke.open_(X25519PrivateKey.generate(), b"\x01" * 31, CT0)
