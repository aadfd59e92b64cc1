// Type declarations of licentia-verify.

/** Every reason name the Go verifier reports, "valid" included. */
export type Reason =
  | 'valid' | 'malformed' | 'wrong_type' | 'wrong_algorithm' | 'unknown_key' | 'bad_signature' | 'expired'
  | 'not_yet_valid' | 'wrong_issuer' | 'wrong_product' | 'wrong_sku' | 'test_code' | 'wrong_deployment'
  | 'revoked' | 'superseded' | 'inactive' | 'stale_list' | 'clock_rollback' | 'state_error' | 'keyring_error'
  | 'deployment_error';

export const REASONS: readonly Reason[];

/** reason returns the Go verifier's name for an outcome: "valid" for null, the error's reason, or "error". */
export function reason(err: unknown): Reason | 'error';

/**
 * A refused code, revocation list, key ring or state file. `claims` are set only for a code whose
 * signature verified but which was refused later; never use them to grant access.
 */
export class VerificationError extends Error {
  static readonly reason: Reason | 'error';
  readonly reason: Reason;
  keyId: string;
  claims: Claims | null;
  constructor(message?: string, options?: { keyId?: string; claims?: Claims | null });
}
export class MalformedError extends VerificationError {}
export class WrongTypeError extends MalformedError {}
export class AlgorithmError extends VerificationError {}
export class UnknownKeyError extends VerificationError {}
export class SignatureError extends VerificationError {}
export class ExpiredError extends VerificationError {}
export class NotYetValidError extends VerificationError {}
export class WrongIssuerError extends VerificationError {}
export class WrongProductError extends VerificationError {}
export class WrongSKUError extends WrongProductError {}
export class TestCodeError extends VerificationError {}
/** The code is bound to a deployment ("dep") and the verifier's deployment is not it. */
export class WrongDeploymentError extends VerificationError {}
export class RevokedError extends VerificationError {}
export class SupersededError extends RevokedError {}
export class InactiveError extends VerificationError {}
export class StaleListError extends VerificationError {}
export class ClockRollbackError extends VerificationError {}
export class StateError extends VerificationError {}
export class KeyringError extends VerificationError {}
/** A deployment out of bounds; the Verifier constructor and Deployment.of throw it. */
export class DeploymentError extends VerificationError {}

export const ALGORITHM: 'EdDSA';
export const ALGORITHM_ED25519: 'Ed25519';
export const TYPE_CODE: 'licentia+jwt';
export const TYPE_REVOCATIONS: 'licentia-revocations+jwt';
export const TYPE_REVOCATIONS_DELTA: 'licentia-revocations-delta+jwt';
/** The longest answer of GET /v1/revocations read (a whole list or a delta), white space included. */
export const MAX_REVOCATION_LIST_SIZE: number;
/** The longest revocation document read (a whole list and its deltas), white space included. */
export const MAX_REVOCATION_DOCUMENT_SIZE: number;
/** The most deltas a revocation document may hold after its whole list (2048). */
export const MAX_REVOCATION_DELTAS: number;
export const STATE_FORMAT: 'licentia-verifier-state/1';
export const DEFAULT_ROLLBACK_TOLERANCE_SECONDS: number;
export const DEFAULT_CACHE_SIZE: number;
export const STATUS_ACTIVE: 'active';
export const STATUS_FROZEN: 'frozen';
export const STATUS_RELEASED: 'released';
export const STATUS_REVOKED: 'revoked';

/** keyId returns the key id of a raw 32-byte Ed25519 public key. */
export function keyId(raw: Uint8Array): string;

/** fingerprint returns a short, stable identifier of a code for logs; log it instead of the code. */
export function fingerprint(code: string | Uint8Array): string;

/** The Ed25519 public keys a Verifier trusts, by key id. */
export class Keyring {
  constructor(publicKeys: Iterable<Uint8Array>);
  /** PEM "PUBLIC KEY" blocks or a JWKS document; private key material is refused (KeyringError). */
  static parse(pemOrJWKS: string | Uint8Array): Keyring;
  static fromFile(path: string): Keyring;
  readonly keyIds: string[];
}

/** The verified claims of a code; JSON.stringify gives the wire names. Times are unix seconds. */
export class Claims {
  readonly issuer: string;
  readonly licenseId: string;
  readonly generation: number;
  readonly issuedAt: number;
  readonly notBefore: number;
  /** 0 for a perpetual license. */
  readonly expiresAt: number;
  readonly grace: number;
  readonly status: string;
  readonly productId: string;
  /** pids: the other productIds the license carried before a renewal changed its product, oldest first. */
  readonly productIds: readonly string[];
  readonly sku: string;
  readonly orderId: string;
  readonly orderLineId: string;
  readonly customerId: string;
  readonly quantity: number;
  readonly test: boolean;
  /** dep: the deployment the code is bound to, by salted hashes; null for a code bound to none. */
  readonly deployment: DeploymentClaim | null;
  toJSON(): Record<string, unknown>;
}

export const MAX_DEPLOYMENT_ID_LEN: 1024;
export const MAX_COMPONENTS: 16;
export const MAX_COMPONENT_VALUES: 16;
export const MAX_COMPONENT_NAME_LEN: 32;
export const MAX_COMPONENT_LEN: 256;
export const DEPLOYMENT_SALT_LEN: 16;

/** A deployment in its JSON form: a plain string is the id alone; a component is a string or a list. */
export type DeploymentInput = Deployment | string | { id: string; components?: Record<string, string | string[]> };

/** One installation of the buyer's software: a stable id and optional components (name → values). */
export class Deployment {
  /** Builds and validates a deployment (as the Go verifier's Deployment.Validate); throws DeploymentError. */
  static of(value: DeploymentInput): Deployment;
  readonly id: string;
  readonly components: ReadonlyMap<string, readonly string[]>;
  toJSON(): { id: string; components?: Record<string, string[]> };
}

/** The "dep" claim: salt, the id's hash, each component's value hashes, how many components must match. */
export class DeploymentClaim {
  readonly salt: string;
  readonly id: string;
  readonly components: ReadonlyMap<string, readonly string[]>;
  /** k: components that must match; 0 for a claim binding the id alone. */
  readonly match: number;
  /** Whether deployment is the one bound; matched and needed are 0 for a claim binding the id alone. */
  matches(deployment: DeploymentInput): { matched: number; needed: number; ok: boolean };
  toJSON(): { s: string; id: string; c?: Record<string, readonly string[]>; k?: number };
}

/** The normalized form of a component value that is hashed (white space trimmed, A-Z lowered, mac separators dropped). */
export function normalizeComponent(name: string, value: string): string;
/** First 16 bytes of SHA-256(salt ‖ name ‖ 0x00 ‖ normalized value), base64url without padding. */
export function deploymentHash(salt: Uint8Array, name: string, value: string): string;

/** A verified revocation list. */
export class RevocationList {
  readonly issuedAt: number;
  readonly minGen: ReadonlyMap<string, number>;
}

/**
 * parseRevocations verifies a revocation document (a whole list, the body of GET /v1/revocations, then
 * zero or more deltas, bodies of GET /v1/revocations?since=, one JWS per line) and returns the list it
 * amounts to.
 */
export function parseRevocations(keyring: Keyring, data: string | Uint8Array): RevocationList;

/**
 * appendRevocations adds an answer of GET /v1/revocations (a whole list replaces the document; a delta is
 * verified, checked to continue it and appended). An older answer throws StaleListError: keep the document.
 */
export function appendRevocations(keyring: Keyring, doc: string | Uint8Array | null | undefined,
  body: string | Uint8Array): { document: Buffer; list: RevocationList };

/**
 * revocationsCompactDue: the document's deltas together are longer than its whole list, or it holds
 * MAX_REVOCATION_DELTAS deltas (or it is empty): fetch the whole list anew.
 */
export function revocationsCompactDue(doc: string | Uint8Array | null | undefined): boolean;

/** The state file shared with the Go verifier: trusted time, newest generations, newest list. */
export class State {
  /** A missing file is an empty state; an unusable one throws StateError and is left untouched. */
  static open(path: string): State;
  readonly path: string;
  readonly seen: number;
  readonly listIssuedAt: number;
  minGeneration(licenseId: string): number;
}

export interface VerifierOptions {
  /** Accepted KooGallery productId(s) (pid). product, sku or anyProduct is required. */
  product?: string | string[];
  /** Accepted KooGallery skuCode(s). */
  sku?: string | string[];
  /** Accept a code of any of the seller's products (one key signs them all: bind a product where you can). */
  anyProduct?: boolean;
  /** Accepted issuer (iss). */
  issuer?: string;
  /** Accept codes issued to marketplace probe calls (test: true). */
  allowTest?: boolean;
  /** The clock; default () => new Date(). */
  now?: () => Date;
  /** Clock skew tolerated on nbf and exp, in seconds (default 0). */
  leewaySeconds?: number;
  /** A list from parseRevocations. */
  revocations?: RevocationList | null;
  /** Require a revocation list made at most this many seconds ago (stale_list otherwise). */
  maxListAgeSeconds?: number;
  /** A state file (State.open). */
  state?: State | null;
  /** How far the clock may lag the state's latest trusted time (default 600 seconds). */
  rollbackToleranceSeconds?: number;
  /** Authentic codes remembered (default 256; 0 turns the memory off). */
  cacheSize?: number;
  /**
   * The deployment the software runs as: a code bound to one ("dep") must match it (wrong_deployment
   * otherwise). Without it "dep" is not checked. An invalid one makes the constructor throw DeploymentError.
   */
  deployment?: DeploymentInput | null;
}

export interface Result {
  readonly claims: Claims;
  readonly keyId: string;
  /** exp has passed, but the code is still accepted through its grace: urge a renewal. */
  readonly inGrace: boolean;
  readonly at: Date;
}

/** Verifier checks authorization codes offline; it throws a VerificationError subclass on refusal. */
export class Verifier {
  constructor(keyring: Keyring, options: VerifierOptions);
  verify(code: string | Uint8Array): Claims;
  check(code: string | Uint8Array): Result;
}

/** The server could not be reached or refused the request: check the code already held, offline. */
export class OnlineError extends Error {}

/** The server answered with an error. */
export class ServerError extends OnlineError {
  readonly path: string;
  /** HTTP status. */
  readonly status: number;
  /** The server's stable error code, e.g. "not_found", "marketplace_unavailable". */
  readonly code: string;
  readonly serverMessage: string;
}

/** An answer larger than any list a verifier accepts; not an OnlineError. */
export class TooLargeError extends Error {}

export interface CodeResponse {
  readonly code: string;
  readonly licenseId: string;
  readonly generation: number;
  readonly status: string;
  /** RFC 3339 UTC, or null for no end. */
  readonly expiresAt: string | null;
}

/** Online calls of a verifier. Nothing fetched is trusted as fetched: check codes, lists are verified. */
export class Client {
  constructor(baseURL: string, options?: { timeoutSeconds?: number });
  /**
   * Trades any genuine code of a license for its current code (POST /v1/codes/refresh). With a deployment
   * the request names this installation ({"id", "components"}) and the answer is bound to it; an invalid
   * deployment rejects with DeploymentError and is never sent.
   */
  refresh(code: string | Uint8Array, deployment?: DeploymentInput): Promise<string>;
  /** Exchanges a KooGallery License 2.0 code for licentia's offline code (POST /v1/activations), naming the deployment as refresh does. */
  activate(marketCode: string, deployment?: DeploymentInput): Promise<CodeResponse>;
  /** Fetches and verifies the signed revocation list (GET /v1/revocations). */
  revocations(keyring: Keyring): Promise<{ list: RevocationList; data: Buffer }>;
  /**
   * Brings a revocation document up to date: GET /v1/revocations?since=<its iat>, appended, or the whole
   * list when there is no readable document, the delta does not append, or the document is due for
   * compaction. An older answer rejects with StaleListError: keep the document.
   */
  updateRevocations(keyring: Keyring, doc?: string | Uint8Array | null): Promise<{ list: RevocationList; document: Buffer }>;
}
