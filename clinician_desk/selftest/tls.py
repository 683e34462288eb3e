"""The self-test's ``tls`` check: the sync client's TLS set-up works in this installation.

A frozen bundle can lose its trust store or certificate checks without anyone noticing until a
clinician's first sync. The check builds the client's TLS context (the system trust store through
``truststore``), requires certificate and host-name verification, builds a ``SyncClient`` (no
network), and performs a real handshake with a loopback server presenting a freshly made
self-signed certificate: the handshake must be refused. Only a throw-away key and certificate for
``localhost`` are written, to a temporary folder removed straight away.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from clinician_desk.selftest.checks import CheckFailed, require


def check_tls() -> None:
    """The sync client's TLS (system trust store via truststore) loads and really verifies: a
    handshake with a loopback server presenting a self-signed certificate must be refused."""
    import ssl

    from clinician_desk.sync.client import SyncClient, tls_context

    ctx = tls_context(None)
    require(ctx.verify_mode == ssl.CERT_REQUIRED, "TLS certificates would not be verified")
    require(ctx.check_hostname, "TLS host names would not be checked")
    SyncClient("https://county.example.org").close()  # builds the client; no network
    try:
        _handshake_with_self_signed_server(ctx)
    except ssl.SSLCertVerificationError:
        return
    raise CheckFailed("a self-signed server certificate was accepted")


def _handshake_with_self_signed_server(client_ctx: Any) -> None:
    import socket
    import ssl
    import threading

    cert, key = _self_signed_localhost()
    with tempfile.TemporaryDirectory(prefix="clinician-desk-selftest-tls-") as tmp:
        (Path(tmp) / "cert.pem").write_bytes(cert)
        (Path(tmp) / "key.pem").write_bytes(key)
        server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_ctx.load_cert_chain(Path(tmp) / "cert.pem", Path(tmp) / "key.pem")
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(10)

        def serve() -> None:
            try:
                conn, _addr = listener.accept()
                with server_ctx.wrap_socket(conn, server_side=True):
                    pass
            except (OSError, ssl.SSLError):
                pass  # the client hangs up on our certificate: expected

        thread = threading.Thread(target=serve, name="selftest-tls", daemon=True)
        thread.start()
        try:
            with socket.create_connection(listener.getsockname(), timeout=10) as raw:
                with client_ctx.wrap_socket(raw, server_hostname="localhost"):
                    pass
        finally:
            thread.join(10)


def _self_signed_localhost() -> tuple[bytes, bytes]:
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem
