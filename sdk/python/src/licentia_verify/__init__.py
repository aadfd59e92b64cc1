"""Offline verifier for licentia authorization codes (授权码) sold on Huawei Cloud KooGallery (云商店).

Implements the licentia code format (the Go ``verifier`` package's doc.go) and reports the Go verifier's
reason names::

    import licentia_verify as lv

    kr = lv.Keyring.from_file("/opt/myapp/jwks.json")
    v = lv.Verifier(kr, product="OFFI001")
    try:
        result = v.check(code)
    except lv.VerificationError as e:
        print("invalid code:", e.reason)
"""

from ._claims import (STATUS_ACTIVE, STATUS_FROZEN, STATUS_RELEASED, STATUS_REVOKED, Claims,
                      RevocationList)
from ._deployment import (DEPLOYMENT_SALT_LEN, Deployment, DeploymentClaim, deployment_hash,
                          normalize as normalize_component)
from ._errors import (REASONS, AlgorithmError, ClockRollbackError, DeploymentError, ExpiredError,
                      InactiveError, KeyringError, MalformedError, NotYetValidError, RevokedError,
                      SignatureError, StaleListError, StateError, SupersededError, TestCodeError,
                      UnknownKeyError, VerificationError, WrongDeploymentError, WrongIssuerError,
                      WrongProductError, WrongSKUError, WrongTypeError)
from ._keyring import Keyring, key_id
from ._online import Client, CodeResponse, OnlineError, ServerError, TooLargeError
from ._state import STATE_FORMAT, State
from ._verifier import (ALGORITHM, ALGORITHM_ED25519, DEFAULT_CACHE_SIZE, DEFAULT_ROLLBACK_TOLERANCE,
                        MAX_REVOCATION_DELTAS, MAX_REVOCATION_DOCUMENT_SIZE, MAX_REVOCATION_LIST_SIZE,
                        TYPE_CODE, TYPE_REVOCATIONS, TYPE_REVOCATIONS_DELTA, Result, Verifier,
                        append_revocations, fingerprint, parse_revocations, reason, revocations_compact_due)

__version__ = "0.1.0"

__all__ = [
    "Client", "CodeResponse", "OnlineError", "ServerError", "TooLargeError",
    "ALGORITHM", "ALGORITHM_ED25519", "DEFAULT_CACHE_SIZE", "DEFAULT_ROLLBACK_TOLERANCE", "REASONS",
    "STATE_FORMAT", "STATUS_ACTIVE", "STATUS_FROZEN", "STATUS_RELEASED", "STATUS_REVOKED", "TYPE_CODE",
    "TYPE_REVOCATIONS", "AlgorithmError", "Claims", "ClockRollbackError", "ExpiredError", "InactiveError",
    "Keyring", "KeyringError", "MalformedError", "NotYetValidError", "Result", "RevocationList",
    "RevokedError", "SignatureError", "StaleListError", "State", "StateError", "SupersededError",
    "TestCodeError", "UnknownKeyError", "VerificationError", "Verifier", "WrongIssuerError",
    "DEPLOYMENT_SALT_LEN", "Deployment", "DeploymentClaim", "DeploymentError", "WrongDeploymentError",
    "deployment_hash", "normalize_component",
    "WrongProductError", "WrongSKUError", "WrongTypeError", "fingerprint", "key_id", "parse_revocations",
    "reason", "MAX_REVOCATION_DELTAS", "MAX_REVOCATION_DOCUMENT_SIZE", "MAX_REVOCATION_LIST_SIZE",
    "TYPE_REVOCATIONS_DELTA", "append_revocations", "revocations_compact_due",
]
