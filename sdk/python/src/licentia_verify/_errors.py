"""The exceptions of licentia_verify, one per reason of the Go verifier (verifier.Reason)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from ._claims import Claims


class VerificationError(Exception):
    """A refused code, revocation list, key ring or state file.

    ``reason`` is the Go verifier's stable snake_case name (``expired``, ``bad_signature``, ...).
    ``key_id`` is the code's ``kid`` when its header could be decoded (authenticated only when
    ``claims`` is set). ``claims`` are the claims of a code whose signature verified but which was
    refused later (expired, frozen, wrong product, ...), so software can say which license failed and
    why; they are ``None`` when the signature did not verify and must never be used to grant access.
    The message never contains the code.
    """

    reason = "error"

    def __init__(self, message: str = "", *, key_id: str = "", claims: "Optional[Claims]" = None):
        super().__init__(message or self.reason.replace("_", " "))
        self.key_id = key_id
        self.claims = claims


class MalformedError(VerificationError):
    """Not a well-formed licentia code: shape, base64url, JSON, critical header, claims, size."""

    reason = "malformed"


class WrongTypeError(MalformedError):
    """The ``typ`` header is not the one expected (a revocation list passed as a code, or back)."""

    reason = "wrong_type"


class AlgorithmError(VerificationError):
    """The ``alg`` header is neither ``EdDSA`` nor ``Ed25519``."""

    reason = "wrong_algorithm"


class UnknownKeyError(VerificationError):
    """The ``kid`` header names no trusted key, or is missing."""

    reason = "unknown_key"


class SignatureError(VerificationError):
    """The Ed25519 signature does not verify with the key named by ``kid``."""

    reason = "bad_signature"


class ExpiredError(VerificationError):
    """``exp`` plus ``grace`` (plus leeway) has passed."""

    reason = "expired"


class NotYetValidError(VerificationError):
    """``nbf`` (minus leeway) has not come yet."""

    reason = "not_yet_valid"


class WrongIssuerError(VerificationError):
    """``iss`` is not the issuer the verifier accepts."""

    reason = "wrong_issuer"


class WrongProductError(VerificationError):
    """``pid`` is not a product the verifier accepts."""

    reason = "wrong_product"


class WrongSKUError(WrongProductError):
    """``sku`` is not a SKU the verifier accepts (also a WrongProductError)."""

    reason = "wrong_sku"


class TestCodeError(VerificationError):
    """A code issued to a marketplace probe (``test``), and test codes are not allowed."""

    __test__ = False  # not a test case, whatever test runners think of the name
    reason = "test_code"


class WrongDeploymentError(VerificationError):
    """The code is bound to a deployment (``dep``) and the verifier's ``deployment`` is not it: fewer of
    its components match than the claim needs, or, for a claim binding the id alone, the id differs."""

    reason = "wrong_deployment"


class RevokedError(VerificationError):
    """Status ``revoked``, or the revocation list names a higher minimum generation."""

    reason = "revoked"


class SupersededError(RevokedError):
    """The state file has already seen a newer generation of this license (also a RevokedError)."""

    reason = "superseded"


class InactiveError(VerificationError):
    """Status ``frozen`` (冻结), ``released`` (释放) or any status other than active and revoked."""

    reason = "inactive"


class StaleListError(VerificationError):
    """The revocation list is not fresh: older than the maximum list age (or none given), or older
    than one the state file has already seen. Fetch GET /v1/revocations and check again."""

    reason = "stale_list"


class ClockRollbackError(VerificationError):
    """The clock is more than the tolerance behind the latest trusted time in the state file."""

    reason = "clock_rollback"


class StateError(VerificationError):
    """The state file cannot be read, parsed or written; a foreign file is never replaced."""

    reason = "state_error"


class KeyringError(VerificationError):
    """The key material is unusable (no Ed25519 public key, a private key, a bad JWK)."""

    reason = "keyring_error"


class DeploymentError(VerificationError, ValueError):
    """The deployment given to the Verifier (or sent by the Client) is out of bounds: no id, too long,
    a control character, a bad component name, too many components or values. Also a ValueError."""

    reason = "deployment_error"


# Every reason name the Go verifier reports, "valid" included.
REASONS = (
    "valid", "malformed", "wrong_type", "wrong_algorithm", "unknown_key", "bad_signature", "expired",
    "not_yet_valid", "wrong_issuer", "wrong_product", "wrong_sku", "test_code", "wrong_deployment", "revoked",
    "superseded", "inactive", "stale_list", "clock_rollback", "state_error", "keyring_error", "deployment_error",
)
