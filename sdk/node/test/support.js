// Shared test fixtures: the golden vectors of the Go verifier (verifier/testdata/vectors.json).

import { createPrivateKey, sign as edSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VerificationError } from 'licentia-verify';

const here = dirname(fileURLToPath(import.meta.url));

/** LICENTIA_VECTORS, or the file in the licentia repository this test directory sits in. */
export const vectorsPath = process.env.LICENTIA_VECTORS || join(here, '..', '..', '..', 'verifier', 'testdata', 'vectors.json');
export const VF = JSON.parse(readFileSync(vectorsPath, 'utf8'));
export const NOW = VF.now_unix;
export const at = (sec) => () => new Date(sec * 1000);

const b64 = (b) => Buffer.from(b).toString('base64url');

/** jwksOf returns the vectors' public key as a JWKS document. */
export function jwksOf(vf) {
  const der = Buffer.from(vf.public_key_pem.split('\n').filter((l) => l && !l.startsWith('-----')).join(''), 'base64');
  return JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: b64(der.subarray(-32)), kid: vf.key_id, alg: 'EdDSA', use: 'sig' }] });
}

// The vectors' private key, from its seed (PKCS#8 prefix of an Ed25519 private key, then the seed).
const priv = createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(VF.seed, 'hex')]),
  format: 'der', type: 'pkcs8',
});

/** sign signs payload (an object, or the exact bytes as a string/Buffer) with the vectors' key. */
export function sign(payload, { typ = 'licentia+jwt', alg = 'EdDSA', kid = VF.key_id } = {}) {
  const body = typeof payload === 'string' || payload instanceof Uint8Array ? Buffer.from(payload) : JSON.stringify(payload);
  const input = `${b64(JSON.stringify({ alg, kid, typ }))}.${b64(body)}`;
  return `${input}.${b64(edSign(null, Buffer.from(input), priv))}`;
}

/** claims returns the claims of an active code of product OFFI001, valid through 2026, changed by over. */
export function claims(over = {}) {
  const c = { iss: 'licentia', sub: 'inst-0100', gen: 2, iat: 1767225600, nbf: 1767225600, exp: 1798761600,
    st: 'active', pid: 'OFFI001', sku: 'sku-std', ord: 'CS0100', ...over };
  for (const k of Object.keys(c)) if (c[k] === undefined) delete c[k];
  return c;
}

/** reasonOf returns "valid" or the reason ver refuses code with. */
export function reasonOf(ver, code) {
  try {
    ver.check(code);
    return 'valid';
  } catch (e) {
    if (!(e instanceof VerificationError)) throw e;
    return e.reason;
  }
}
