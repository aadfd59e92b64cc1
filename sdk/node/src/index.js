// licentia-verify: offline verifier for licentia authorization codes (授权码) sold on Huawei Cloud
// KooGallery (云商店). It implements the licentia code format and reports the Go verifier's reasons.

export * from './errors.js';
export { Keyring, keyId } from './keyring.js';
export { Client, OnlineError, ServerError, TooLargeError } from './online.js';
export { State, STATE_FORMAT } from './state.js';
export {
  ALGORITHM, ALGORITHM_ED25519, Claims, DEFAULT_CACHE_SIZE, DEFAULT_ROLLBACK_TOLERANCE_SECONDS, RevocationList,
  STATUS_ACTIVE, STATUS_FROZEN, STATUS_RELEASED, STATUS_REVOKED, TYPE_CODE, TYPE_REVOCATIONS, Verifier, fingerprint,
  parseRevocations,
} from './verifier.js';
