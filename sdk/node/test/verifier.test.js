import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import * as lv from 'licentia-verify';
import { NOW, VF, at, claims, jwksOf, reasonOf, sign } from './support.js';

const KR = lv.Keyring.parse(VF.public_key_pem);
const LIST = { typ: 'licentia-revocations+jwt' };

const ver = (opts = {}) => new lv.Verifier(KR, { product: 'OFFI001', now: at(NOW), ...opts });

describe('binding', () => {
  test('refuses to run unbound', () => {
    assert.throws(() => new lv.Verifier(KR), /anyProduct/);
    assert.throws(() => new lv.Verifier(KR, {}), TypeError);
    assert.throws(() => new lv.Verifier(KR, { product: 'OFFI001', anyProduct: true }), TypeError);
  });
  test('product, sku, any product', () => {
    const code = sign(claims());
    assert.equal(reasonOf(ver({ product: 'OFFI999' }), code), 'wrong_product');
    assert.equal(reasonOf(ver({ product: ['OFFI999', 'OFFI001'] }), code), 'valid');
    assert.equal(reasonOf(new lv.Verifier(KR, { sku: 'sku-pro', now: at(NOW) }), code), 'wrong_sku');
    assert.equal(reasonOf(new lv.Verifier(KR, { anyProduct: true, now: at(NOW) }), code), 'valid');
    assert.throws(() => new lv.Verifier(KR, { sku: 'sku-pro', now: at(NOW) }).verify(code), lv.WrongProductError);
  });
  test('a refused code carries its authentic claims', () => {
    assert.throws(() => ver({ product: 'OFFI999' }).verify(sign(claims())), (e) => {
      assert.equal(e.claims.licenseId, 'inst-0100');
      assert.equal(e.keyId, VF.key_id);
      return e instanceof lv.WrongProductError;
    });
  });
});

describe('form', () => {
  test("Go's encoding/json semantics on signed claims", () => {
    const cases = [
      [claims({ gen: 2.5 }), 'malformed'],
      ['{"sub":"a","gen":2.0,"st":"active","pid":"OFFI001"}', 'malformed'], // integers have no fraction
      ['{"sub":"a","gen":2e0,"st":"active","pid":"OFFI001"}', 'malformed'],
      [claims({ gen: '2' }), 'malformed'],
      [claims({ gen: 0 }), 'malformed'],
      [claims({ exp: -1 }), 'malformed'],
      ['{"sub":"a","gen":9223372036854775808,"st":"active","pid":"OFFI001"}', 'malformed'], // beyond int64
      [claims({ exp: undefined, grace: 5 }), 'valid'],
      ['{"sub":"a","gen":2,"st":"active","pid":"OFFI001","exp":null}', 'valid'],
      ['{"SUB":"a","GEN":2,"St":"active","\u017fku":"x","PID":"OFFI001"}', 'valid'], // folded names
      ['{"sub":"a","gen":2,"st":"frozen","st":"active","pid":"OFFI001"}', 'valid'], // a later duplicate wins
      ['{"sub":"a","gen":2,"st":"active","pid":"OFFI001","GEN":null,"st":null}', 'valid'], // null changes nothing
      ['{"sub":"a","gen":2,"st":"active","pid":"OFFI001","extra":{"x":[1,2.5,-0,1e400]}}', 'valid'],
      ['{"sub":"a","gen":2,"st":"active","pid":"OFFI001","test":1}', 'malformed'],
      ['{"sub":"a","gen":2,"st":"active","pid":"OFFI001","x":NaN}', 'malformed'],
      ['{"sub":"a","gen":2,"st":"active","pid":"OFFI001"} x', 'malformed'],
      ['[1]', 'malformed'],
      [Buffer.from('{"sub":"\xff","gen":2,"st":"active","pid":"OFFI001"}', 'latin1'), 'valid'], // invalid UTF-8 replaced
    ];
    for (const [payload, want] of cases) assert.equal(reasonOf(ver(), sign(payload)), want, String(payload));
  });
  test('headers and shape', () => {
    const p = claims();
    assert.equal(reasonOf(ver(), sign(p, { alg: 'Ed25519' })), 'valid');
    assert.equal(reasonOf(ver(), sign(p, { alg: 'ES256' })), 'wrong_algorithm');
    assert.equal(reasonOf(ver(), sign(p, { typ: 'JWT' })), 'wrong_type');
    assert.equal(reasonOf(ver(), sign(p, { kid: '0123456789abcdef' })), 'unknown_key');
    const code = sign(p);
    assert.equal(reasonOf(ver(), code.replace('.', '..')), 'malformed');
    assert.equal(reasonOf(ver(), 'x'.repeat(70 << 10)), 'malformed');
    assert.equal(reasonOf(ver(), Buffer.from(code)), 'valid');
    assert.equal(reasonOf(ver(), `\u00e9${code}`), 'malformed');
    assert.equal(JSON.stringify(ver().verify(code)), JSON.stringify(p));
  });
  test('time rules', () => {
    assert.equal(reasonOf(ver(), sign(claims({ exp: NOW }))), 'expired');
    assert.equal(ver().check(sign(claims({ exp: NOW, grace: 1 }))).inGrace, true);
    assert.equal(reasonOf(ver(), sign(claims({ nbf: NOW + 1 }))), 'not_yet_valid');
    assert.equal(reasonOf(ver({ leewaySeconds: 1 }), sign(claims({ nbf: NOW + 1 }))), 'valid');
    assert.equal(ver({ leewaySeconds: 1 }).check(sign(claims({ exp: NOW }))).inGrace, true);
  });
});

// A valid P-256 public key point (the generator), uncompressed.
const P256_POINT = '046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bc'
  + 'e33576b315ececbb6406837bf51f5';
const pem = (der) => `-----BEGIN PUBLIC KEY-----\n${der.toString('base64')}\n-----END PUBLIC KEY-----\n`;

test('mutated codes and lists give a result or a VerificationError, never another error', () => {
  let seed = 1;
  const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const code = sign(claims());
  const list = sign({ iat: NOW, min_gen: { a: 2 } }, LIST);
  const alphabet = 'AZaz09-_.=+/ \n\t{}"\\\x00\u00e9\u212a';
  const v = ver();
  for (let n = 0; n < 3000; n++) {
    for (const [base, check] of [[code, (d) => v.check(d)], [list, (d) => lv.parseRevocations(KR, d)]]) {
      const s = [...base];
      for (let k = 1 + rand(4); k > 0; k--) {
        const op = rand(3), i = rand(s.length);
        if (op === 0) s[i] = alphabet[rand(alphabet.length)];
        else if (op === 1) s.splice(i, 1);
        else s.splice(i, 0, alphabet[rand(alphabet.length)]);
      }
      try {
        check(s.join(''));
      } catch (e) {
        if (!(e instanceof lv.VerificationError)) throw e;
      }
    }
  }
});

describe('keys', () => {
  test('PEM and JWKS agree', () => {
    assert.deepEqual(lv.Keyring.parse(jwksOf(VF)).keyIds, [VF.key_id]);
    assert.deepEqual(lv.Keyring.parse(`${VF.public_key_pem}junk between blocks\n${VF.public_key_pem}`).keyIds, [VF.key_id]);
  });
  test('refused key material', () => {
    const jwk = JSON.parse(jwksOf(VF)).keys[0];
    const cases = [
      '',
      `-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB\n-----END PRIVATE KEY-----\n${VF.public_key_pem}`,
      JSON.stringify({ keys: [{ ...jwk, d: 'AAAA' }] }),
      JSON.stringify({ keys: [{ ...jwk, kid: '0000000000000000' }] }),
      JSON.stringify({ keys: [{ ...jwk, x: `${jwk.x}A` }] }),
      JSON.stringify({ keys: [{ ...jwk, crv: 'X25519' }] }),
      JSON.stringify({ keys: {} }),
      '{',
      pem(Buffer.concat([Buffer.from('302a300506032a0304032100', 'hex'), Buffer.alloc(32, 1)])), // an algorithm no library knows
      pem(Buffer.from(`3059301306072a8648ce3d020106082a8648ce3d030107034200${P256_POINT}`, 'hex')), // not Ed25519
    ];
    for (const data of cases) {
      assert.throws(() => lv.Keyring.parse(data), (e) => e instanceof lv.KeyringError && e.reason === 'keyring_error', data);
    }
    assert.deepEqual(lv.Keyring.parse(JSON.stringify({ keys: [{ ...jwk, d: null }] })).keyIds, [VF.key_id]);
  });
});

describe('revocations and state', () => {
  let dir, path;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'licentia-state-'));
    path = join(dir, 'state.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('the revocation list', () => {
    const list = lv.parseRevocations(KR, sign({ iat: NOW - 100, min_gen: { 'inst-0100': 3 } }, LIST));
    assert.deepEqual([...list.minGen], [['inst-0100', 3]]);
    assert.equal(reasonOf(ver({ revocations: list }), sign(claims())), 'revoked');
    assert.equal(reasonOf(ver({ revocations: list }), sign(claims({ gen: 3 }))), 'valid');
    for (const bad of [{ iat: 1 }, { iat: 1, min_gen: { '': 2 } }, { iat: 1, min_gen: { a: 0 } }]) {
      assert.throws(() => lv.parseRevocations(KR, sign(bad, LIST)), lv.MalformedError);
    }
    assert.throws(() => lv.parseRevocations(KR, sign(claims())), lv.WrongTypeError);
    assert.throws(() => ver().verify(sign({ iat: 1, min_gen: {} }, LIST)), lv.WrongTypeError);
  });

  test('maximum list age', () => {
    const list = lv.parseRevocations(KR, sign({ iat: NOW - 100, min_gen: {} }, LIST));
    assert.equal(reasonOf(ver({ revocations: list, maxListAgeSeconds: 100 }), sign(claims())), 'valid');
    assert.equal(reasonOf(ver({ revocations: list, maxListAgeSeconds: 99 }), sign(claims())), 'stale_list');
    assert.equal(reasonOf(ver({ maxListAgeSeconds: 3600 }), sign(claims())), 'stale_list');
    assert.equal(reasonOf(ver({ maxListAgeSeconds: 3600 }), sign(claims({ st: 'frozen' }))), 'inactive');
  });

  test('the state file', () => {
    const code2 = sign(claims()), code3 = sign(claims({ gen: 3 }));
    assert.equal(reasonOf(ver({ state: lv.State.open(path) }), code3), 'valid');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { format: 'licentia-verifier-state/1', seen: NOW, min_gen: { 'inst-0100': 3 } });
    assert.equal(reasonOf(ver({ state: lv.State.open(path) }), code2), 'superseded');
    assert.throws(() => ver({ state: lv.State.open(path) }).verify(code2), lv.RevokedError);
    assert.equal(reasonOf(ver({ state: lv.State.open(path), now: at(NOW - 3600) }), code3), 'clock_rollback');
    assert.equal(reasonOf(ver({ state: lv.State.open(path), now: at(NOW - 599) }), code3), 'valid');
    assert.equal(reasonOf(ver({ state: lv.State.open(path), now: at(NOW - 3600), rollbackToleranceSeconds: 7200 }), code3), 'valid');
  });

  test('an older list than one already seen is refused', () => {
    const newer = lv.parseRevocations(KR, sign({ iat: NOW - 10, min_gen: {} }, LIST));
    const older = lv.parseRevocations(KR, sign({ iat: NOW - 20, min_gen: {} }, LIST));
    const code = sign(claims());
    assert.equal(reasonOf(ver({ state: lv.State.open(path), revocations: newer }), code), 'valid');
    const st = lv.State.open(path);
    assert.equal(st.listIssuedAt, NOW - 10);
    assert.equal(reasonOf(ver({ state: st, revocations: older }), code), 'stale_list');
    assert.equal(reasonOf(ver({ state: st, revocations: newer }), code), 'valid');
  });

  test('a foreign state file is refused and kept', () => {
    for (const data of ['', '  \n', '{}', '{"format":"other/1","seen":1}', '{"format":"licentia-verifier-state/1","x":1}',
      '{"format":"licentia-verifier-state/1","seen":-1}', '{"format":"licentia-verifier-state/1","min_gen":{"a":0}}', '[]', '{} {}']) {
      writeFileSync(path, data);
      assert.throws(() => lv.State.open(path), (e) => e instanceof lv.StateError && e.reason === 'state_error', data);
      assert.equal(readFileSync(path, 'utf8'), data);
    }
  });

  test('an unwritable state file refuses the code', () => {
    const st = lv.State.open(join(dir, 'missing-dir', 'state.json'));
    assert.equal(reasonOf(ver({ state: st }), sign(claims())), 'state_error');
  });
});

test('index.d.ts declares every export, and nothing else', () => {
  // The declarations beside the package's entry point, wherever the package is installed.
  const dts = readFileSync(new URL('../index.d.ts', import.meta.resolve('licentia-verify')), 'utf8');
  const declared = [...dts.matchAll(/^export (?:class|function|const) (\w+)/gm)].map((m) => m[1]);
  assert.deepEqual(declared.sort(), Object.keys(lv).sort());
});

test('an answer too large is TooLargeError, not OnlineError', async () => {
  const { createServer } = await import('node:http');
  const srv = createServer((req, res) => {
    res.writeHead(200, { 'Content-Length': String(65 << 20) }); // and the body never comes
    res.write('x');
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  try {
    const c = new lv.Client(`http://127.0.0.1:${srv.address().port}`);
    await assert.rejects(c.revocations(KR), (e) => e instanceof lv.TooLargeError && !(e instanceof lv.OnlineError));
  } finally {
    srv.closeAllConnections();
    srv.close();
  }
});
