// Verifier: the checks of the licentia code format (the Go verifier package's doc.go), in its order,
// with the Go verifier's reasons.

import { createHash, verify as edVerify } from 'node:crypto';
import {
  AlgorithmError, ExpiredError, InactiveError, MalformedError, NotYetValidError, RevokedError, SignatureError,
  StaleListError, SupersededError, TestCodeError, UnknownKeyError, VerificationError, WrongDeploymentError,
  WrongIssuerError, WrongProductError, WrongSKUError, WrongTypeError,
} from './errors.js';
import { Deployment, LocalDeployment, decodeDep } from './deployment.js';
import { Keyring } from './keyring.js';
import { State } from './state.js';
import { utc } from './time.js';
import * as wire from './wire.js';

export const ALGORITHM = 'EdDSA';
export const ALGORITHM_ED25519 = 'Ed25519';
export const TYPE_CODE = 'licentia+jwt';
export const TYPE_REVOCATIONS = 'licentia-revocations+jwt';
export const TYPE_REVOCATIONS_DELTA = 'licentia-revocations-delta+jwt';
export const DEFAULT_ROLLBACK_TOLERANCE_SECONDS = 600;
export const DEFAULT_CACHE_SIZE = 256;
export const STATUS_ACTIVE = 'active', STATUS_FROZEN = 'frozen', STATUS_RELEASED = 'released', STATUS_REVOKED = 'revoked';

const MAX_CODE_LEN = 8 << 10; // a whole code, after cleaning
const MAX_PASTED_LEN = 64 << 10; // a code as given, white space included
const MAX_LIST_LEN = 32 << 20; // a whole revocation list, after cleaning
const MAX_HEADER_LEN = 512;
const SIGNATURE_LEN = 86;
const HEADER = { alg: wire.STR, kid: wire.STR, typ: wire.STR, crit: wire.ANY };
const LIST = { iat: wire.INT, min_gen: wire.INT_MAP };
const DELTA = { iat: wire.INT, since: wire.INT, min_gen: wire.INT_MAP, removed: wire.VALUE };

// Wire name → [property, kind, written when zero], in the issuer's order.
const CLAIMS = [
  ['iss', 'issuer', wire.STR, true], ['sub', 'licenseId', wire.STR, true], ['gen', 'generation', wire.INT, true],
  ['iat', 'issuedAt', wire.INT, true], ['nbf', 'notBefore', wire.INT, true], ['exp', 'expiresAt', wire.INT, false],
  ['grace', 'grace', wire.INT, false], ['st', 'status', wire.STR, true], ['pid', 'productId', wire.STR, true],
  ['pids', 'productIds', wire.STR_LIST, false], ['sku', 'sku', wire.STR, false], ['ord', 'orderId', wire.STR, true], ['oli', 'orderLineId', wire.STR, false],
  ['cid', 'customerId', wire.STR, false], ['qty', 'quantity', wire.INT, false], ['test', 'test', wire.BOOL, false],
];
/** The most entries a "pids" claim may carry; a code with more is malformed. */
const MAX_PRODUCT_IDS = 8;

const CLAIMS_SPEC = Object.fromEntries(CLAIMS.map(([w, , kind]) => [w, kind]));

/**
 * The verified claims of a code. Times are unix seconds; expiresAt is 0 for a perpetual license.
 * JSON.stringify gives the wire names, zero optional claims left out.
 */
export class Claims {
  constructor(f, deployment = null) {
    for (const [w, prop] of CLAIMS) this[prop] = f[w];
    /** dep: the deployment the code is bound to, by salted hashes (a DeploymentClaim); null when unbound. */
    this.deployment = deployment;
    Object.freeze(this);
  }

  toJSON() {
    const out = {};
    for (const [w, prop, , always] of CLAIMS) {
      if (always || (Array.isArray(this[prop]) ? this[prop].length : this[prop])) out[w] = this[prop];
    }
    if (this.deployment) out.dep = this.deployment.toJSON();
    return out;
  }
}

function malformedReason(c) {
  if (c.licenseId === '') return 'no "sub" claim';
  if (c.generation < 1) return `"gen" ${c.generation}, want 1 or more`;
  if (c.status === '') return 'no "st" claim';
  if (Math.min(c.issuedAt, c.notBefore, c.expiresAt, c.grace, c.quantity) < 0) {
    return 'negative "iat", "nbf", "exp", "grace" or "qty"';
  }
  if (c.productIds.length > MAX_PRODUCT_IDS) return `"pids" has ${c.productIds.length} entries, at most ${MAX_PRODUCT_IDS}`;
  if (c.productIds.includes('')) return 'an empty "pids" entry';
  if (c.deployment) return c.deployment.malformedReason();
  return '';
}

// toBytes returns a code as bytes: a string is UTF-8 encoded.
function toBytes(code) {
  if (typeof code === 'string') return Buffer.from(code, 'utf8');
  if (code instanceof Uint8Array) return Buffer.from(code);
  throw new TypeError('code: want a string or bytes');
}

const isSpace = (c) => c === 0x20 || (c >= 0x09 && c <= 0x0d);

// clean returns the code without surrounding white space and without line breaks inside.
function clean(raw) {
  let i = 0, j = raw.length;
  while (i < j && isSpace(raw[i])) i++;
  while (j > i && isSpace(raw[j - 1])) j--;
  const s = raw.subarray(i, j);
  if (!s.includes(0x0a) && !s.includes(0x0d)) return s;
  return Buffer.from(s.filter((c) => c !== 0x0a && c !== 0x0d));
}

/**
 * fingerprint returns a short, stable identifier of a code for logs and support (SHA-256 over the
 * cleaned code, first 8 bytes, hex). It reveals nothing usable: log it instead of the code.
 */
export function fingerprint(code) {
  return createHash('sha256').update(clean(toBytes(code))).digest('hex').slice(0, 16);
}

// open checks a cleaned compact JWS up to its signature; it returns the decoded payload and the kid.
function open(kr, raw, wantTyp, maxLen) {
  if (raw.length === 0) throw new MalformedError('malformed code: empty');
  if (raw.length > maxLen) throw new MalformedError(`malformed code: longer than ${maxLen} bytes`);
  const i = raw.indexOf(0x2e), j = raw.lastIndexOf(0x2e);
  if (i < 0 || i === j || raw.subarray(i + 1, j).includes(0x2e)) {
    throw new MalformedError('malformed code: want three dot-separated parts');
  }
  const h = raw.subarray(0, i), p = raw.subarray(i + 1, j), s = raw.subarray(j + 1);
  if (h.length === 0 || h.length > MAX_HEADER_LEN || p.length === 0) {
    throw new MalformedError('malformed code: header or payload part empty or too long');
  }
  let hdr;
  try {
    hdr = wire.fields(wire.parse(wire.b64decode(h)), HEADER);
  } catch {
    throw new MalformedError('malformed code: header is not a canonical base64url JSON object');
  }
  const keyId = hdr.kid;
  if (hdr.crit) throw new MalformedError('malformed code: unsupported critical header', { keyId });
  if (hdr.alg !== ALGORITHM && hdr.alg !== ALGORITHM_ED25519) {
    throw new AlgorithmError(`algorithm ${JSON.stringify(hdr.alg.slice(0, 40))} not accepted, want "EdDSA" or "Ed25519"`, { keyId });
  }
  if (hdr.typ !== wantTyp) throw new WrongTypeError(`typ ${JSON.stringify(hdr.typ.slice(0, 40))}, want "${wantTyp}"`, { keyId });
  const pub = kr.key(keyId);
  if (!pub) throw new UnknownKeyError(`unknown key id ${JSON.stringify(keyId.slice(0, 40))}`, { keyId });
  if (s.length !== SIGNATURE_LEN) {
    throw new MalformedError(`malformed code: signature part of ${s.length} characters, want ${SIGNATURE_LEN}`, { keyId });
  }
  let sig;
  try {
    sig = wire.b64decode(s);
  } catch {
    throw new MalformedError('malformed code: signature is not canonical base64url', { keyId });
  }
  if (!edVerify(null, raw.subarray(0, j), pub, sig)) throw new SignatureError('signature does not verify', { keyId });
  try {
    return { payload: wire.b64decode(p), keyId };
  } catch {
    throw new MalformedError('malformed code: payload is not canonical base64url', { keyId });
  }
}

/** A verified revocation list: when it was made (unix seconds) and, per license id, the lowest valid generation. */
export class RevocationList {
  constructor(issuedAt, minGen) {
    this.issuedAt = issuedAt;
    this.minGen = minGen; // Map<string, number>
    Object.freeze(this);
  }
}

/** The longest answer of GET /v1/revocations read (a whole list or a delta), white space included. */
export const MAX_REVOCATION_LIST_SIZE = 2 * MAX_LIST_LEN;
/** The longest revocation document read (a whole list and its deltas), white space included. */
export const MAX_REVOCATION_DOCUMENT_SIZE = 2 * MAX_REVOCATION_LIST_SIZE;
/** The most deltas a revocation document may hold after its whole list. */
export const MAX_REVOCATION_DELTAS = 2048;

/**
 * parseRevocations verifies the revocation document data with the keys of keyring and returns the list it
 * amounts to. A document is a whole list (the body of GET /v1/revocations, typ "licentia-revocations+jwt")
 * followed by zero or more deltas (bodies of GET /v1/revocations?since=, typ
 * "licentia-revocations-delta+jwt"), one compact JWS per line: lines are separated by LF, white space around
 * each is ignored and empty lines are skipped. Each delta must continue the list before it (its since no
 * later than that list's iat, its iat no earlier); it sets its min_gen entries, deletes its removed ids and
 * makes its iat the list's. It throws MalformedError (also for a gap, an older delta, more than
 * MAX_REVOCATION_DELTAS deltas or more than MAX_REVOCATION_DOCUMENT_SIZE bytes), WrongTypeError (a document
 * that does not start with a whole list, a whole list or a code where a delta belongs), AlgorithmError,
 * UnknownKeyError or SignatureError; an error in a delta names it by its number (1 for the first delta).
 */
export function parseRevocations(keyring, data) {
  if (!(keyring instanceof Keyring)) throw new TypeError('keyring: want a Keyring');
  return parseDocument(keyring, toBytes(data)).list;
}

/**
 * revocationsCompactDue reports whether the revocation document doc is due to be replaced by a whole list
 * fetched anew rather than grow: its deltas together are longer than its whole list, or it holds
 * MAX_REVOCATION_DELTAS deltas. It reads doc's lines without verifying them; an empty document is due.
 */
export function revocationsCompactDue(doc) {
  let listLen = 0, deltas = 0, deltaLen = 0, first = true;
  for (const line of lines(doc == null ? Buffer.alloc(0) : toBytes(doc))) {
    if (first) {
      listLen = line.length;
      first = false;
    } else {
      deltas++;
      deltaLen += line.length;
    }
  }
  return listLen === 0 || deltaLen > listLen || deltas >= MAX_REVOCATION_DELTAS;
}

/**
 * appendRevocations adds body, an answer of GET /v1/revocations as fetched (a whole list or a delta), to
 * the revocation document doc (null or empty for none) and returns { document, list }: the new document (a
 * Buffer) and the list it amounts to. A whole list replaces doc; a delta is verified, checked to continue
 * doc's list and appended on a line of its own (the document then ends with LF). Neither argument changes.
 *
 * A body older than doc's list (a whole list or a delta with an earlier iat, say from a server replica
 * that lags) throws StaleListError: keep doc. A delta that leaves a gap, a delta for an empty or invalid
 * doc, or one beyond MAX_REVOCATION_DELTAS throws MalformedError: fetch the whole list. Other errors are
 * those of parseRevocations, for body (one JWS of at most MAX_REVOCATION_LIST_SIZE bytes) or doc.
 */
export function appendRevocations(keyring, doc, body) {
  if (!(keyring instanceof Keyring)) throw new TypeError('keyring: want a Keyring');
  const bodyBytes = toBytes(body), docBytes = doc == null ? Buffer.alloc(0) : toBytes(doc);
  if (bodyBytes.length > MAX_REVOCATION_LIST_SIZE) {
    throw new MalformedError(`revocation list: malformed: longer than ${MAX_REVOCATION_LIST_SIZE} bytes`);
  }
  const raw = trim(bodyBytes);
  if (raw.includes(0x0a)) throw new MalformedError('revocation list: malformed: an answer is one JWS on one line');
  const typ = prefixed('revocation list', () => typOf(raw));
  if (typ !== TYPE_REVOCATIONS_DELTA) {
    const list = prefixed('revocation list', () => parseList(keyring, raw));
    if (trim(docBytes).length > 0) {
      let held = null;
      try {
        held = parseDocument(keyring, docBytes).list;
      } catch (e) {
        if (!(e instanceof VerificationError)) throw e;
      }
      if (held && held.issuedAt > list.issuedAt) {
        throw new StaleListError(`revocation list: stale list: the list fetched (iat ${list.issuedAt}) is older than the one held (iat ${held.issuedAt})`);
      }
    }
    return { document: Buffer.concat([raw, NL]), list };
  }
  const d = prefixed('revocation delta', () => parseDelta(keyring, raw));
  const { list: held, deltas } = prefixed('a revocation delta needs the list it changes', () => parseDocument(keyring, docBytes));
  if (d.issuedAt < held.issuedAt) {
    throw new StaleListError(`revocation delta: stale list: the delta fetched (iat ${d.issuedAt}) is older than the list held (iat ${held.issuedAt})`);
  }
  if (deltas >= MAX_REVOCATION_DELTAS) {
    throw new MalformedError(`revocation delta: malformed: the document holds ${deltas} deltas already; fetch the whole list anew`);
  }
  const trimmed = trim(docBytes);
  if (trimmed.length + 1 + raw.length + 1 > MAX_REVOCATION_DOCUMENT_SIZE) {
    throw new MalformedError(`revocation delta: malformed: the document would be longer than ${MAX_REVOCATION_DOCUMENT_SIZE} bytes; fetch the whole list anew`);
  }
  const minGen = new Map(held.minGen);
  prefixed('revocation delta', () => apply(held.issuedAt, minGen, d));
  return { document: Buffer.concat([trimmed, NL, raw, NL]), list: new RevocationList(d.issuedAt, minGen) };
}

const NL = Buffer.from('\n');

// prefixed runs fn; a VerificationError it throws is thrown again, of the same class, its message prefixed.
function prefixed(prefix, fn) {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof VerificationError)) throw e;
    throw new e.constructor(`${prefix}: ${e.message}`, { keyId: e.keyId });
  }
}

function trim(b) {
  let i = 0, j = b.length;
  while (i < j && isSpace(b[i])) i++;
  while (j > i && isSpace(b[j - 1])) j--;
  return b.subarray(i, j);
}

// lines yields each non-empty line of doc (lines end with LF), white space around it trimmed.
function* lines(doc) {
  for (let i = 0; i < doc.length;) {
    let j = doc.indexOf(0x0a, i);
    if (j < 0) j = doc.length;
    const line = trim(doc.subarray(i, j));
    if (line.length > 0) yield line;
    i = j + 1;
  }
}

// typOf returns the typ of the compact JWS raw (trimmed), its shape checked but nothing verified.
function typOf(raw) {
  if (raw.length === 0) throw new MalformedError('malformed: empty');
  if (raw.length > MAX_LIST_LEN) throw new MalformedError(`malformed: longer than ${MAX_LIST_LEN} bytes`);
  const i = raw.indexOf(0x2e), j = raw.lastIndexOf(0x2e);
  if (i < 0 || i === j || raw.subarray(i + 1, j).includes(0x2e)) throw new MalformedError('malformed: want three dot-separated parts');
  if (i === 0 || i > MAX_HEADER_LEN || j === i + 1) throw new MalformedError('malformed: header or payload part empty or too long');
  try {
    return wire.fields(wire.parse(wire.b64decode(raw.subarray(0, i))), HEADER).typ;
  } catch {
    throw new MalformedError('malformed: header is not a canonical base64url JSON object');
  }
}

// parseDocument is parseRevocations, also returning the number of deltas.
function parseDocument(keyring, data) {
  if (data.length > MAX_REVOCATION_DOCUMENT_SIZE) {
    throw new MalformedError(`revocation list: malformed: longer than ${MAX_REVOCATION_DOCUMENT_SIZE} bytes`);
  }
  let iat = -1, minGen = null, deltas = 0;
  for (const line of lines(data)) {
    if (minGen === null) {
      const l = prefixed('revocation list', () => parseList(keyring, line));
      iat = l.issuedAt;
      minGen = new Map(l.minGen);
      continue;
    }
    if (deltas === MAX_REVOCATION_DELTAS) {
      throw new MalformedError(`revocation list: malformed: more than ${MAX_REVOCATION_DELTAS} deltas; fetch the whole list anew`);
    }
    deltas++;
    iat = prefixed(`revocation list: delta ${deltas}`, () => {
      const d = parseDelta(keyring, line);
      apply(iat, minGen, d);
      return d.issuedAt;
    });
  }
  if (minGen === null) throw new MalformedError('revocation list: malformed: empty');
  return { list: new RevocationList(iat, minGen), deltas };
}

// parseList verifies one whole list (a compact JWS, trimmed) and returns it.
function parseList(keyring, jws) {
  const { payload } = open(keyring, jws, TYPE_REVOCATIONS, MAX_LIST_LEN);
  let f;
  try {
    f = wire.fields(wire.parse(payload), LIST);
  } catch (e) {
    throw new MalformedError(`malformed: ${e.message}`);
  }
  if (f.iat < 0 || f.min_gen === null) throw new MalformedError('malformed: want "iat" >= 0 and a "min_gen" object');
  for (const [id, g] of f.min_gen) {
    if (id === '' || g < 1) throw new MalformedError(`malformed: entry ${JSON.stringify(id.slice(0, 80))}: ${g}`);
  }
  return new RevocationList(f.iat, f.min_gen);
}

// parseDelta verifies one delta (a compact JWS, trimmed) and returns { issuedAt, since, minGen, removed }.
function parseDelta(keyring, jws) {
  const { payload } = open(keyring, jws, TYPE_REVOCATIONS_DELTA, MAX_LIST_LEN);
  let f, removed;
  try {
    f = wire.fields(wire.parse(payload), DELTA);
    // "removed" as Go decodes a []string: null (or absent) is nil, a null entry is ''.
    removed = f.removed === null ? null : wire.decode(wire.STR_LIST, f.removed);
  } catch (e) {
    throw new MalformedError(`malformed: ${e.message}`);
  }
  if (f.since < 0 || f.iat < f.since || f.min_gen === null || removed === null) {
    throw new MalformedError('malformed: want 0 <= "since" <= "iat", a "min_gen" object and a "removed" array');
  }
  for (const [id, g] of f.min_gen) {
    if (id === '' || g < 1) throw new MalformedError(`malformed: entry ${JSON.stringify(id.slice(0, 80))}: ${g}`);
  }
  for (const id of removed) {
    if (id === '') throw new MalformedError('malformed: an empty id in "removed"');
    if (f.min_gen.has(id)) throw new MalformedError(`malformed: ${JSON.stringify(id.slice(0, 80))} both in "min_gen" and in "removed"`);
  }
  return { issuedAt: f.iat, since: f.since, minGen: f.min_gen, removed };
}

// apply applies d to the list (iat, minGen) after checking that d continues it: no gap and not older. It
// throws MalformedError and leaves minGen unchanged.
function apply(iat, minGen, d) {
  if (d.since > iat) {
    throw new MalformedError(`malformed: a gap: the delta holds changes since ${d.since}, the list before it is of ${iat}; fetch the whole list anew`);
  }
  if (d.issuedAt < iat) throw new MalformedError(`malformed: the delta (iat ${d.issuedAt}) is older than the list before it (iat ${iat})`);
  for (const [id, g] of d.minGen) minGen.set(id, g);
  for (const id of d.removed) minGen.delete(id);
}

function strings(name, v) {
  if (v === undefined || v === null) return [];
  const out = typeof v === 'string' ? [v] : [...v];
  if (!out.every((x) => typeof x === 'string' && x !== '')) throw new TypeError(`${name}: want non-empty strings`);
  return out;
}

function seconds(name, v, dflt = 0) {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || Number.isNaN(v)) throw new TypeError(`${name}: want a number of seconds`);
  return Math.max(0, Math.trunc(v));
}

/**
 * Verifier checks authorization codes offline against a key ring and a set of expectations.
 *
 * Binding is explicit: give `product` (one KooGallery productId or several, e.g. the monthly and the
 * yearly id of one SKU), `sku`, or `anyProduct: true`. A product binding accepts a code whose `pid`, or any
 * entry of whose `pids` (the productIds the license carried before a renewal changed its product), is
 * bound. One seller key signs every product's codes, so a
 * verifier bound to nothing would let the cheapest product unlock the dearest; without a binding the
 * constructor throws a TypeError.
 *
 * With `deployment` (the installation the software runs as: a Deployment, its JSON form
 * {"id": ..., "components": {name: value or [values]}}, or a string for the id alone), a code bound to a
 * deployment (its "dep" claim) must match it, k of its n components or, for a claim binding the id
 * alone, the id (WrongDeploymentError otherwise); a code without "dep" passes as before. Without it the
 * binding is not checked at all: software that installs deployment-bound codes must give it. An invalid
 * deployment makes the constructor throw DeploymentError (the Go package, whose options cannot fail,
 * refuses every code with it instead).
 */
export class Verifier {
  #kr; #products; #skus; #issuer; #allowTest; #now; #leeway; #revs; #maxListAge; #state; #tolerance;
  #cacheSize; #deployment; #cache = new Map();

  constructor(keyring, options = {}) {
    const o = options ?? {};
    this.#products = strings('product', o.product);
    this.#skus = strings('sku', o.sku);
    if (this.#products.length === 0 && this.#skus.length === 0 && o.anyProduct !== true) {
      throw new TypeError("want product or sku: one seller key signs the codes of all the seller's products, " +
        'so a check without one accepts any of them (say anyProduct: true if that is meant)');
    }
    if (o.anyProduct === true && (this.#products.length || this.#skus.length)) {
      throw new TypeError('anyProduct contradicts product and sku');
    }
    if (!(keyring instanceof Keyring)) throw new TypeError('keyring: want a Keyring');
    if (o.revocations != null && !(o.revocations instanceof RevocationList)) {
      throw new TypeError('revocations: want a RevocationList from parseRevocations');
    }
    if (o.state != null && !(o.state instanceof State)) throw new TypeError('state: want a State');
    if (o.now != null && typeof o.now !== 'function') throw new TypeError('now: want a function returning a Date');
    this.#kr = keyring;
    this.#issuer = o.issuer ?? '';
    this.#allowTest = o.allowTest === true;
    this.#now = o.now ?? (() => new Date());
    this.#leeway = seconds('leewaySeconds', o.leewaySeconds);
    this.#revs = o.revocations ?? null;
    this.#maxListAge = seconds('maxListAgeSeconds', o.maxListAgeSeconds);
    this.#state = o.state ?? null;
    this.#tolerance = seconds('rollbackToleranceSeconds', o.rollbackToleranceSeconds, DEFAULT_ROLLBACK_TOLERANCE_SECONDS);
    this.#cacheSize = o.cacheSize ?? DEFAULT_CACHE_SIZE;
    this.#deployment = o.deployment == null ? null : new LocalDeployment(Deployment.of(o.deployment));
    Object.freeze(this);
  }

  /**
   * verify checks code and returns its claims; it throws a VerificationError subclass naming the first
   * check that failed. Surrounding white space and line breaks inside (as pasted) are ignored.
   */
  verify(code) { return this.check(code).claims; }

  /** check is verify with more detail: { claims, keyId, inGrace, at }. */
  check(code) {
    const at = this.#now();
    if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new TypeError('now: want a function returning a valid Date');
    const now = Math.floor(at.getTime() / 1000);
    const { claims, keyId } = this.#authentic(code);
    let inGrace;
    try {
      inGrace = this.#judge(claims, now);
    } catch (e) {
      if (e instanceof VerificationError) {
        e.keyId = keyId;
        e.claims = claims;
      }
      throw e;
    }
    return Object.freeze({ claims, keyId, inGrace, at: new Date(at.getTime()) });
  }

  // Steps 1 to 4: form, key, signature, claims. They depend on the code and the key ring only, so an
  // authentic code is remembered and not checked again.
  #authentic(code) {
    if ((typeof code === 'string' || code instanceof Uint8Array) && code.length > MAX_PASTED_LEN) {
      throw new MalformedError(`malformed code: longer than ${MAX_PASTED_LEN} bytes`);
    }
    const raw = clean(toBytes(code));
    const cacheKey = this.#cacheSize > 0 ? raw.toString('latin1') : '';
    const hit = this.#cacheSize > 0 ? this.#cache.get(cacheKey) : undefined;
    if (hit) return hit;
    const { payload, keyId } = open(this.#kr, raw, TYPE_CODE, MAX_CODE_LEN);
    let f, dep;
    try {
      const obj = wire.parse(payload);
      f = wire.fields(obj, CLAIMS_SPEC);
      dep = decodeDep(obj.members.filter(([k]) => (k === 'dep' ? k : wire.fold(k)) === 'dep').map(([, v]) => v));
    } catch (e) {
      throw new MalformedError(`malformed code: claims: ${e.message}`, { keyId });
    }
    const claims = new Claims(f, dep);
    const problem = malformedReason(claims);
    if (problem) throw new MalformedError(`malformed code: ${problem}`, { keyId });
    const entry = Object.freeze({ claims, keyId });
    if (this.#cacheSize > 0) {
      if (!this.#cache.has(cacheKey) && this.#cache.size >= this.#cacheSize) {
        this.#cache.delete(this.#cache.keys().next().value);
      }
      this.#cache.set(cacheKey, entry);
    }
    return entry;
  }

  // Steps 5 to 10 on authentic claims at unix time now; returns inGrace.
  #judge(c, now) {
    if (this.#issuer && c.issuer !== this.#issuer) throw new WrongIssuerError(`wrong issuer ${JSON.stringify(c.issuer.slice(0, 80))}`);
    if (this.#products.length && !this.#products.includes(c.productId) &&
        !c.productIds.some((p) => this.#products.includes(p))) {
      throw new WrongProductError(`wrong product ${JSON.stringify(c.productId.slice(0, 80))}`);
    }
    if (this.#skus.length && !this.#skus.includes(c.sku)) throw new WrongSKUError(`wrong sku ${JSON.stringify(c.sku.slice(0, 80))}`);
    if (c.test && !this.#allowTest) throw new TestCodeError('test code not allowed');
    if (this.#deployment && c.deployment) {
      const problem = this.#deployment.check(c.deployment);
      if (problem) throw new WrongDeploymentError(`code bound to another deployment: ${problem}`);
    }
    let stateMin = 0, newerList = 0;
    if (this.#state) ({ prevMin: stateMin, newerList } = this.#state.observe(c, this.#revs, now, this.#tolerance));
    if (c.status === STATUS_REVOKED) throw new RevokedError('license revoked');
    if (c.status !== STATUS_ACTIVE) throw new InactiveError(`license not active: status ${JSON.stringify(c.status.slice(0, 40))}`);
    this.#fresh(now, newerList);
    if (this.#revs) {
      const m = this.#revs.minGen.get(c.licenseId) ?? 0;
      if (c.generation < m) throw new RevokedError(`code revoked: generation ${c.generation} below the revocation list's ${m}`);
    }
    if (c.generation < stateMin) throw new SupersededError(`code superseded: generation ${c.generation}, already seen ${stateMin}`);
    return this.#checkTime(c, now);
  }

  #fresh(now, newerList) {
    if (newerList) {
      throw new StaleListError(`revocation list not fresh: made ${utc(this.#revs.issuedAt)}, but a list made ${utc(newerList)} was already seen`);
    }
    if (!this.#maxListAge) return;
    if (!this.#revs) throw new StaleListError(`revocation list not fresh: none given, but one made in the last ${this.#maxListAge}s is required`);
    if (now - this.#revs.issuedAt > this.#maxListAge) {
      throw new StaleListError(`revocation list not fresh: made ${utc(this.#revs.issuedAt)}, more than ${this.#maxListAge}s before ${utc(now)}`);
    }
  }

  #checkTime(c, now) {
    if (now < c.notBefore - this.#leeway) throw new NotYetValidError(`code not yet valid: starts ${utc(c.notBefore)}`);
    if (c.expiresAt === 0) return false;
    // Claims are at most 2^53 - 1, so the sum cannot overflow; it only loses precision far beyond any clock.
    if (now >= c.expiresAt + c.grace + this.#leeway) throw new ExpiredError(`code expired: ended ${utc(c.expiresAt)}`);
    return now >= c.expiresAt;
  }
}
