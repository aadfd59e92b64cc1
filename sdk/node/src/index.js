// licentia-verify: offline verifier for licentia authorization codes (授权码) sold on Huawei Cloud
// KooGallery (云商店). It implements the licentia code format and reports the Go verifier's reasons.

export * from './errors.js';
export {
  DEPLOYMENT_SALT_LEN, Deployment, DeploymentClaim, MAX_COMPONENT_LEN, MAX_COMPONENT_NAME_LEN, MAX_COMPONENT_VALUES,
  MAX_COMPONENTS, MAX_DEPLOYMENT_ID_LEN, deploymentHash, normalizeComponent,
} from './deployment.js';
export { Keyring, keyId } from './keyring.js';
export { Client, OnlineError, ServerError, TooLargeError } from './online.js';
export { State, STATE_FORMAT } from './state.js';
export {
  ALGORITHM, ALGORITHM_ED25519, Claims, DEFAULT_CACHE_SIZE, DEFAULT_ROLLBACK_TOLERANCE_SECONDS,
  MAX_REVOCATION_DELTAS, MAX_REVOCATION_DOCUMENT_SIZE, MAX_REVOCATION_LIST_SIZE, RevocationList,
  STATUS_ACTIVE, STATUS_FROZEN, STATUS_RELEASED, STATUS_REVOKED, TYPE_CODE, TYPE_REVOCATIONS, TYPE_REVOCATIONS_DELTA,
  Verifier, appendRevocations, fingerprint, parseRevocations, revocationsCompactDue,
} from './verifier.js';
