import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as lv from 'licentia-verify';
import { VF, at, jwksOf } from './support.js';

// The Go sentinel each vector names, as this package's error class.
const ERRORS = {
  ErrMalformed: lv.MalformedError, ErrWrongType: lv.WrongTypeError, ErrAlgorithm: lv.AlgorithmError,
  ErrUnknownKey: lv.UnknownKeyError, ErrSignature: lv.SignatureError, ErrExpired: lv.ExpiredError,
  ErrNotYetValid: lv.NotYetValidError, ErrWrongIssuer: lv.WrongIssuerError, ErrWrongProduct: lv.WrongProductError,
  ErrWrongSKU: lv.WrongSKUError, ErrTestCode: lv.TestCodeError, ErrRevoked: lv.RevokedError,
  ErrSuperseded: lv.SupersededError, ErrInactive: lv.InactiveError, ErrStaleList: lv.StaleListError,
  ErrClockRollback: lv.ClockRollbackError,
};

function runVectors(keyring) {
  const revocations = lv.parseRevocations(keyring, VF.revocations);
  assert.ok(VF.vectors.length > 40);
  for (const v of VF.vectors) {
    const dir = mkdtempSync(join(tmpdir(), 'licentia-vectors-'));
    try {
      let state;
      if (v.state) {
        writeFileSync(join(dir, 'state.json'), JSON.stringify(v.state));
        state = lv.State.open(join(dir, 'state.json'));
      }
      const o = VF.options;
      const ver = new lv.Verifier(keyring, { product: o.product, sku: o.sku, issuer: o.issuer, now: at(VF.now_unix),
        revocations, state, allowTest: !!v.allow_test });
      if (v.want.valid) {
        const r = ver.check(v.code);
        assert.equal(r.inGrace, v.want.in_grace, v.name);
        assert.equal(r.keyId, VF.key_id, v.name);
        assert.equal(lv.reason(null), v.want.reason);
        continue;
      }
      assert.throws(() => ver.check(v.code), (e) => {
        assert.equal(e.reason, v.want.reason, v.name);
        assert.equal(lv.reason(e), v.want.reason, v.name);
        assert.equal(e.constructor, ERRORS[v.want.error], v.name);
        if (v.code.trim().length > 40) assert.ok(!e.message.includes(v.code.trim().slice(-40)), v.name);
        return true;
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

test('every golden vector, key as PEM', () => runVectors(lv.Keyring.parse(VF.public_key_pem)));
test('every golden vector, key as JWKS', () => runVectors(lv.Keyring.parse(jwksOf(VF))));

test('a cached repeat reaches the same outcome', () => {
  const kr = lv.Keyring.parse(VF.public_key_pem);
  const o = VF.options;
  const ver = new lv.Verifier(kr, { product: o.product, sku: o.sku, issuer: o.issuer, now: at(VF.now_unix),
    revocations: lv.parseRevocations(kr, VF.revocations) });
  for (const v of VF.vectors) {
    if (v.state || v.allow_test) continue;
    const got = [];
    for (let n = 0; n < 2; n++) {
      try {
        ver.check(v.code);
        got.push('valid');
      } catch (e) {
        got.push(e.reason);
      }
    }
    assert.deepEqual(got, [v.want.reason, v.want.reason], v.name);
  }
});
