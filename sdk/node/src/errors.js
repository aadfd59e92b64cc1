// The errors of licentia-verify, one class per reason of the Go verifier (verifier.Reason).

/**
 * A refused code, revocation list, key ring or state file. `reason` is the Go verifier's stable
 * snake_case name. `keyId` is the code's kid when its header could be decoded (authenticated only when
 * `claims` is set); `claims` are the claims of a code whose signature verified but which was refused
 * later (expired, frozen, wrong product, ...), never to be used to grant access. The message never
 * contains the code.
 */
export class VerificationError extends Error {
  static reason = 'error';

  constructor(message, { keyId = '', claims = null } = {}) {
    super(message || new.target.reason.replaceAll('_', ' '));
    this.name = new.target.name;
    this.reason = new.target.reason;
    this.keyId = keyId;
    this.claims = claims;
  }
}

export class MalformedError extends VerificationError { static reason = 'malformed'; }
export class WrongTypeError extends MalformedError { static reason = 'wrong_type'; }
export class AlgorithmError extends VerificationError { static reason = 'wrong_algorithm'; }
export class UnknownKeyError extends VerificationError { static reason = 'unknown_key'; }
export class SignatureError extends VerificationError { static reason = 'bad_signature'; }
export class ExpiredError extends VerificationError { static reason = 'expired'; }
export class NotYetValidError extends VerificationError { static reason = 'not_yet_valid'; }
export class WrongIssuerError extends VerificationError { static reason = 'wrong_issuer'; }
export class WrongProductError extends VerificationError { static reason = 'wrong_product'; }
export class WrongSKUError extends WrongProductError { static reason = 'wrong_sku'; }
export class TestCodeError extends VerificationError { static reason = 'test_code'; }
/**
 * The code is bound to a deployment ("dep") and the verifier's `deployment` is not it: fewer of its
 * components match than the claim needs, or, for a claim binding the id alone, the id differs.
 */
export class WrongDeploymentError extends VerificationError { static reason = 'wrong_deployment'; }
export class RevokedError extends VerificationError { static reason = 'revoked'; }
export class SupersededError extends RevokedError { static reason = 'superseded'; }
export class InactiveError extends VerificationError { static reason = 'inactive'; }
export class StaleListError extends VerificationError { static reason = 'stale_list'; }
export class ClockRollbackError extends VerificationError { static reason = 'clock_rollback'; }
export class StateError extends VerificationError { static reason = 'state_error'; }
export class KeyringError extends VerificationError { static reason = 'keyring_error'; }
/**
 * The deployment given to a Verifier is out of bounds: no id, too long, a control character, a bad
 * component name, too many components or values. The Verifier constructor throws it.
 */
export class DeploymentError extends VerificationError { static reason = 'deployment_error'; }

/** Every reason name the Go verifier reports, "valid" included. */
export const REASONS = Object.freeze([
  'valid', 'malformed', 'wrong_type', 'wrong_algorithm', 'unknown_key', 'bad_signature', 'expired',
  'not_yet_valid', 'wrong_issuer', 'wrong_product', 'wrong_sku', 'test_code', 'wrong_deployment', 'revoked',
  'superseded', 'inactive', 'stale_list', 'clock_rollback', 'state_error', 'keyring_error', 'deployment_error',
]);

/** reason returns the Go verifier's name for an outcome: "valid" for null, the error's reason, or "error". */
export function reason(err) {
  if (err === null || err === undefined) return 'valid';
  return err instanceof VerificationError ? err.reason : 'error';
}
