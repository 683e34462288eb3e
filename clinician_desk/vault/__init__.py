"""The vault: the random data key and the key-slot file that keeps it wrapped.

The model is described in docs/design/security.md.

Public API (other areas code against these names)::

    create_vault(paths, passphrase, *, clock=None, kdf=None) -> (DataKey, recovery_text)
    unlock_vault(paths, passphrase, *, clock=None) -> DataKey
    unlock_with_recovery_key(paths, recovery_text) -> DataKey
    change_passphrase(paths, key, new_passphrase)
    reset_passphrase_with_recovery(paths, recovery_text, new_passphrase) -> DataKey
    set_escrow_slot(paths, key, county_public_key)
    regenerate_recovery_key(paths, key) -> new recovery_text
    describe_keyslots(paths) -> KeySlotSummary (no secrets; for doctor/settings)
    check_keyslots(paths, key) -> messages naming damaged slots (after any unlock; never raises)
    unwrap_escrow(keyslot_file_bytes, county_private_key) -> bytes
    generate_county_keypair() -> (private_bytes, public_bytes)
    unlock_status(paths, *, clock=None) -> UnlockStatus
    check_new_passphrase(text); passphrase_feedback(text) -> (score 0-4, message)

Key rotation's vault half is ``vault.rotation`` (new slots for a new data key, the crash-safe
switch); ``bootstrap.rotate_data_key`` drives it with storage's re-encrypted copy. The "vault in
use" lock every open session holds is ``vault.filelock.hold_vault_shared``; replacing commands
take ``hold_vault_exclusively``. ``vault.process.disable_core_dumps`` runs first in the app and
the CLI.

The package never imports storage (they are sibling layers); storage receives a ``DataKey``.
"""

from __future__ import annotations

from clinician_desk.vault.datakey import DataKey, RecoveryKey
from clinician_desk.vault.escrow import (
    county_key_fingerprint,
    generate_county_keypair,
    load_county_private_key,
    load_county_public_key,
    unwrap_escrow,
)
from clinician_desk.vault.integrity import check_keyslots
from clinician_desk.vault.kdf import KdfParams, calibrate
from clinician_desk.vault.keyfile import parse_keyslot_bytes
from clinician_desk.vault.lockout import UnlockStatus
from clinician_desk.vault.operations import (
    KeySlotSummary,
    RecoveryKeyRequiredError,
    change_passphrase,
    create_vault,
    describe_keyslots,
    regenerate_recovery_key,
    reset_passphrase_with_recovery,
    set_escrow_slot,
    unlock_status,
    unlock_vault,
    unlock_with_recovery_key,
    vault_exists,
)
from clinician_desk.vault.passphrase_policy import check_new_passphrase, passphrase_feedback
from clinician_desk.vault.recovery_text import RecoveryKeyFormatError

# Cheap Argon2id parameters for tests and demo fixtures only (never for a real vault).
TEST_KDF = KdfParams(memory_kib=256, iterations=1, lanes=1)

__all__ = [
    "TEST_KDF",
    "DataKey",
    "KdfParams",
    "KeySlotSummary",
    "RecoveryKey",
    "RecoveryKeyFormatError",
    "RecoveryKeyRequiredError",
    "UnlockStatus",
    "calibrate",
    "change_passphrase",
    "check_keyslots",
    "check_new_passphrase",
    "county_key_fingerprint",
    "create_vault",
    "describe_keyslots",
    "generate_county_keypair",
    "load_county_private_key",
    "load_county_public_key",
    "parse_keyslot_bytes",
    "passphrase_feedback",
    "regenerate_recovery_key",
    "reset_passphrase_with_recovery",
    "set_escrow_slot",
    "unlock_status",
    "unlock_vault",
    "unlock_with_recovery_key",
    "unwrap_escrow",
    "vault_exists",
]
