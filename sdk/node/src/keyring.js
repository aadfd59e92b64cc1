// Trusted Ed25519 public keys, from PEM "PUBLIC KEY" blocks or a JWKS document.

import { createHash, createPublicKey } from 'node:crypto';
import { KeyringError } from './errors.js';
import { readBounded } from './files.js';
import * as wire from './wire.js';

const MAX_KEYRING_LEN = 1 << 20;
// The PKIX DER of an Ed25519 public key is this prefix and the 32 key bytes.
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PEM_BLOCK = /(?:^|\n)-----BEGIN ([^\n]*?)-----[ \t\r]*\n([\s\S]*?)\n-----END \1-----/g;
const ALGS = ['EdDSA', 'Ed25519'];

/** keyId returns the key id of a raw 32-byte Ed25519 public key: SHA-256 over its PKIX DER, 8 bytes, hex. */
export function keyId(raw) {
  return createHash('sha256').update(Buffer.concat([SPKI_PREFIX, raw])).digest('hex').slice(0, 16);
}

/** The Ed25519 public keys a Verifier trusts, by key id. Immutable; several keys allow rotation. */
export class Keyring {
  #keys = new Map();

  /** Builds a ring from raw 32-byte public keys (duplicates kept once); throws KeyringError. */
  constructor(publicKeys) {
    for (const raw of publicKeys) {
      if (!(raw instanceof Uint8Array) || raw.length !== 32) {
        throw new KeyringError(`public key of ${raw?.length ?? 0} bytes, want 32`);
      }
      const id = keyId(raw);
      if (this.#keys.has(id)) continue;
      const x = Buffer.from(raw).toString('base64url');
      this.#keys.set(id, createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' }));
    }
    if (this.#keys.size === 0) throw new KeyringError('no public key');
    Object.freeze(this);
  }

  /**
   * parse reads one or more PEM "PUBLIC KEY" (PKIX) blocks, or a JWKS document as served at
   * /.well-known/jwks.json (a string, Buffer or Uint8Array). Private key material is refused.
   */
  static parse(pemOrJWKS) {
    const data = typeof pemOrJWKS === 'string' ? Buffer.from(pemOrJWKS, 'utf8') : Buffer.from(pemOrJWKS);
    if (data.length > MAX_KEYRING_LEN) throw new KeyringError(`key file larger than ${MAX_KEYRING_LEN} bytes`);
    const text = data.toString('latin1').replace(/^[ \t\n\r\v\f]+|[ \t\n\r\v\f]+$/g, '');
    return new Keyring(text.startsWith('{') ? parseJWKS(Buffer.from(text, 'latin1')) : parsePEM(text));
  }

  /** fromFile reads and parses a key file (PEM or JWKS). */
  static fromFile(path) {
    let data;
    try {
      data = readBounded(path, MAX_KEYRING_LEN);
    } catch (e) {
      throw new KeyringError(`read keys: ${e.code ?? e.message}`);
    }
    return Keyring.parse(data);
  }

  /** The ids of the keys, in the order they were given. */
  get keyIds() { return [...this.#keys.keys()]; }

  /** key returns the KeyObject with id kid, or undefined. */
  key(kid) { return this.#keys.get(kid); }
}

function parsePEM(text) {
  const blocks = [...text.matchAll(PEM_BLOCK)].map((m) => [m[1], m[2]]);
  for (const [type] of blocks) {
    if (type.includes('PRIVATE')) throw new KeyringError(`key file holds a "${type}" block; ship only public keys`);
  }
  const out = [];
  for (const [type, body] of blocks) {
    if (type !== 'PUBLIC KEY') continue;
    const b64 = body.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) continue; // not PEM after all: skipped
    let key;
    try {
      key = createPublicKey({ key: Buffer.from(b64, 'base64'), format: 'der', type: 'spki' });
    } catch (e) {
      throw new KeyringError(`parse public key: ${e.message}`);
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new KeyringError('not an Ed25519 public key');
    out.push(Buffer.from(key.export({ format: 'jwk' }).x, 'base64url'));
  }
  if (out.length === 0) throw new KeyringError('no PUBLIC KEY block');
  return out;
}

const JWK = { kty: wire.STR, crv: wire.STR, x: wire.STR, kid: wire.STR, alg: wire.STR, use: wire.STR, d: wire.OPT_STR };

function parseJWKS(data) {
  let entries;
  try {
    entries = wire.array(wire.fields(wire.parse(data), { keys: wire.VALUE }).keys);
  } catch (e) {
    throw new KeyringError(`jwks: ${e.message}`);
  }
  const out = [];
  entries.forEach((entry, i) => {
    if (entry === null) return;
    let k;
    try {
      k = wire.fields(entry, JWK);
    } catch (e) {
      throw new KeyringError(`jwks key ${i}: ${e.message}`);
    }
    if (k.d !== null) throw new KeyringError(`jwks key ${i} holds private key material; ship only public keys`);
    if (k.kty !== 'OKP' || k.crv !== 'Ed25519' || (k.alg && !ALGS.includes(k.alg)) || (k.use && k.use !== 'sig')) return;
    let raw = Buffer.alloc(0);
    try {
      raw = wire.b64decode(k.x);
    } catch { /* reported below */ }
    if (raw.length !== 32) throw new KeyringError(`jwks key ${i}: "x" is not a base64url Ed25519 public key`);
    const id = keyId(raw);
    if (k.kid && k.kid !== id) throw new KeyringError(`jwks key ${i}: kid ${JSON.stringify(k.kid)}, but the key's id is ${id}`);
    out.push(raw);
  });
  return out;
}
