#!/usr/bin/env node
// Verify a licentia authorization code offline, in Node.js, with the jose package.
//
// Usage: node verify.mjs JWKS_FILE CODE      (CODE "-" reads the code from standard input)
//
// Environment (each optional): LICENTIA_PRODUCT (accepted pid), LICENTIA_SKU (accepted sku),
// LICENTIA_ISSUER (accepted iss), LICENTIA_ALLOW_TEST=1 (accept marketplace test codes),
// LICENTIA_NOW (unix seconds to judge the code at, instead of the clock).
//
// Prints the verified claims as JSON and exits 0 when the code is valid; prints the reason on standard
// error and exits 1 when it is not; exits 64 on a usage error. The format is specified in the licentia
// repository's verifier/doc.go; this program follows it and uses no licentia code.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { compactVerify, importJWK, errors } from 'jose';

const CODE_TYPE = 'licentia+jwt';
const ALGORITHMS = ['EdDSA', 'Ed25519']; // RFC 8037's name and RFC 9864's fully specified one
const MAX_CODE = 8192;
const MAX_HEADER = 512;
const SIGNATURE_CHARS = 86;
// Ed25519 SubjectPublicKeyInfo DER prefix; the key id is SHA-256 over prefix + key, first 8 bytes, hex.
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

class Invalid extends Error {}

// b64urlDecode decodes strictly: URL-safe alphabet, no padding, canonical (zero unused bits).
function b64urlDecode(part) {
  if (!/^[A-Za-z0-9_-]*$/.test(part) || part.length % 4 === 1) throw new Invalid('malformed');
  const raw = Buffer.from(part, 'base64url');
  if (raw.toString('base64url') !== part) throw new Invalid('malformed');
  return raw;
}

// parseJSON parses UTF-8 JSON, rejecting invalid UTF-8.
function parseJSON(bytes) {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new Invalid('malformed');
  }
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const has = (o, name) => Object.prototype.hasOwnProperty.call(o, name);

// loadKeys returns a Map of kid → JWK {kty, crv, x} for the OKP/Ed25519 signing keys of a JWKS file.
function loadKeys(path) {
  const jwks = JSON.parse(readFileSync(path, 'utf8'));
  const found = new Map();
  for (const k of (isObject(jwks) && Array.isArray(jwks.keys)) ? jwks.keys : []) {
    if (!isObject(k)) continue;
    if (has(k, 'd')) throw new Error('the key file holds a private key; ship only public keys');
    if (k.kty !== 'OKP' || k.crv !== 'Ed25519') continue;
    if ((has(k, 'alg') && !ALGORITHMS.includes(k.alg)) || (has(k, 'use') && k.use !== 'sig')) continue;
    let x;
    try {
      x = b64urlDecode(String(k.x ?? ''));
    } catch {
      throw new Error('a key with a bad "x"');
    }
    if (x.length !== 32) throw new Error(`a key of ${x.length} bytes, want 32`);
    const kid = createHash('sha256').update(Buffer.concat([SPKI_PREFIX, x])).digest('hex').slice(0, 16);
    if (has(k, 'kid') && k.kid !== kid) throw new Error(`key id ${JSON.stringify(k.kid)} does not match its key (${kid})`);
    found.set(kid, { kty: 'OKP', crv: 'Ed25519', x: k.x });
  }
  if (found.size === 0) throw new Error('no Ed25519 signing key in the key file');
  return found;
}

// checkClaims is step 4: the claims are a JSON object with the required claims in range.
function checkClaims(c) {
  if (!isObject(c)) throw new Invalid('malformed');
  for (const n of ['iss', 'sub', 'st', 'pid', 'sku', 'ord', 'oli', 'cid']) {
    if (has(c, n) && typeof c[n] !== 'string') throw new Invalid('malformed');
  }
  for (const n of ['gen', 'iat', 'nbf', 'exp', 'grace', 'qty']) {
    if (has(c, n) && !(Number.isSafeInteger(c[n]) && c[n] >= 0)) throw new Invalid('malformed');
  }
  if (has(c, 'test') && typeof c.test !== 'boolean') throw new Invalid('malformed');
  if (!c.sub || !c.st || !(c.gen >= 1)) throw new Invalid('malformed');
}

// verify returns {claims, inGrace} or throws Invalid. It follows verifier/doc.go's checks in order.
async function verify(keys, input, env, now) {
  const code = input.replace(/^[ \t\r\n\v\f]+|[ \t\r\n\v\f]+$/g, '').replace(/[\r\n]/g, '');
  if (code === '' || code.length > MAX_CODE) throw new Invalid('malformed');
  const parts = code.split('.');
  if (parts.length !== 3 || !parts[0] || parts[0].length > MAX_HEADER || !parts[1]) throw new Invalid('malformed');
  // 1. Form: header JSON object, no crit, alg, typ.
  const header = parseJSON(b64urlDecode(parts[0]));
  if (!isObject(header) || has(header, 'crit')) throw new Invalid('malformed');
  if (['alg', 'kid', 'typ'].some((n) => has(header, n) && typeof header[n] !== 'string')) throw new Invalid('malformed');
  if (!ALGORITHMS.includes(header.alg)) throw new Invalid('wrong_algorithm');
  if (header.typ !== CODE_TYPE) throw new Invalid('wrong_type');
  // 2. Key, by kid only.
  const jwk = keys.get(header.kid ?? '');
  if (!jwk) throw new Invalid('unknown_key');
  // 3. Signature (exactly 64 bytes) over header "." claims, checked by jose; the claims are decoded after.
  if (parts[2].length !== SIGNATURE_CHARS) throw new Invalid('malformed');
  b64urlDecode(parts[2]);
  b64urlDecode(parts[1]);
  let payload;
  try {
    const key = await importJWK(jwk, header.alg);
    ({ payload } = await compactVerify(code, key, { algorithms: ALGORITHMS }));
  } catch (e) {
    throw new Invalid(e instanceof errors.JWSSignatureVerificationFailed ? 'bad_signature' : 'malformed');
  }
  // 4. Claims.
  const claims = parseJSON(payload);
  checkClaims(claims);
  // 5. Scope, when configured.
  if (env.LICENTIA_ISSUER && (claims.iss ?? '') !== env.LICENTIA_ISSUER) throw new Invalid('wrong_issuer');
  if (env.LICENTIA_PRODUCT && (claims.pid ?? '') !== env.LICENTIA_PRODUCT) throw new Invalid('wrong_product');
  if (env.LICENTIA_SKU && (claims.sku ?? '') !== env.LICENTIA_SKU) throw new Invalid('wrong_sku');
  // 6. Test codes.
  if (claims.test && env.LICENTIA_ALLOW_TEST !== '1') throw new Invalid('test_code');
  // 8. Status.
  if (claims.st === 'revoked') throw new Invalid('revoked');
  if (claims.st !== 'active') throw new Invalid('inactive');
  // 10. Time: valid while now < exp; then in grace while now < exp + grace.
  if (now < (claims.nbf ?? 0)) throw new Invalid('not_yet_valid');
  const exp = claims.exp ?? 0;
  if (exp && now >= exp + (claims.grace ?? 0)) throw new Invalid('expired');
  return { claims, inGrace: exp > 0 && exp <= now };
}

async function main(argv, env) {
  if (argv.length !== 2) {
    process.stderr.write('usage: node verify.mjs JWKS_FILE CODE   (CODE - reads standard input)\n');
    return 64;
  }
  let keys, code, now;
  try {
    keys = loadKeys(argv[0]);
    code = argv[1] === '-' ? readFileSync(0, 'utf8') : argv[1];
    now = env.LICENTIA_NOW ? Number.parseInt(env.LICENTIA_NOW, 10) : Math.floor(Date.now() / 1000);
    if (!Number.isSafeInteger(now)) throw new Error('LICENTIA_NOW is not a unix time in seconds');
  } catch (e) {
    process.stderr.write(`verify.mjs: ${e.message}\n`);
    return 1;
  }
  try {
    const { claims, inGrace } = await verify(keys, code, env, now);
    if (inGrace) process.stderr.write('verify.mjs: the license has expired and is in its grace period; renew it\n');
    process.stdout.write(JSON.stringify(claims) + '\n');
    return 0;
  } catch (e) {
    if (!(e instanceof Invalid)) throw e;
    process.stderr.write(`verify.mjs: invalid code: ${e.message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2), process.env);
