// Codes of a real licentia server, prepared by .ci/sdk-python-node.sh in LICENTIA_SERVER_FIXTURES:
// jwks.json and keys.pem (the server's keys), code-a (license sdk-a of OFFI001, as POST /v1/codes/refresh
// answered it), code-b-1 and code-b-2 (license sdk-b before and after a reissue), revocations.jwt (GET
// /v1/revocations after the reissue), state-go.json (a state file licentia-verify wrote) and url, where the
// server listens. The test writes state-node.json, which the script then gives to licentia-verify.

import assert from 'node:assert/strict';
import { generateKeyPairSync, sign as edSign } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as lv from 'licentia-verify';
import { reasonOf } from './support.js';

const FIXTURES = process.env.LICENTIA_SERVER_FIXTURES ?? '';
const REQUIRED = process.env.LICENTIA_REQUIRE_SERVER === '1';
const skip = !FIXTURES && !REQUIRED && 'set LICENTIA_SERVER_FIXTURES (.ci/sdk-python-node.sh does)';
const read = (name) => readFileSync(join(FIXTURES, name), 'utf8').trim();
const b64 = (b) => Buffer.from(b).toString('base64url');

describe('a real server', { skip }, () => {
  const jwks = () => lv.Keyring.fromFile(join(FIXTURES, 'jwks.json'));
  const bound = (opts = {}) => new lv.Verifier(jwks(), { product: 'OFFI001', ...opts });

  test('its code is valid with either key file', () => {
    const pem = lv.Keyring.fromFile(join(FIXTURES, 'keys.pem'));
    assert.deepEqual(jwks().keyIds, pem.keyIds);
    for (const kr of [jwks(), pem]) {
      const r = new lv.Verifier(kr, { product: 'OFFI001' }).check(read('code-a'));
      assert.deepEqual([r.claims.licenseId, r.claims.productId, r.claims.status], ['sdk-a', 'OFFI001', 'active']);
      assert.equal(r.keyId, kr.keyIds[0]);
      assert.equal(r.inGrace, false);
    }
  });

  test('wrong product', () => assert.equal(reasonOf(bound({ product: 'OFFI999' }), read('code-a')), 'wrong_product'));

  test('forged and tampered', () => {
    const [h, p, s] = read('code-a').split('.');
    const { privateKey } = generateKeyPairSync('ed25519');
    const forged = `${h}.${p}.${b64(edSign(null, Buffer.from(`${h}.${p}`), privateKey))}`;
    const h2 = b64(JSON.stringify({ ...JSON.parse(Buffer.from(h, 'base64url')), kid: '0123456789abcdef' }));
    const forgedKid = `${h2}.${p}.${b64(edSign(null, Buffer.from(`${h2}.${p}`), privateKey))}`;
    const tampered = `${h}.${b64(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url')), exp: 4102444800 }))}.${s}`;
    assert.equal(reasonOf(bound(), forged), 'bad_signature');
    assert.equal(reasonOf(bound(), forgedKid), 'unknown_key');
    assert.equal(reasonOf(bound(), tampered), 'bad_signature');
  });

  test('expired', () => {
    const exp = bound().verify(read('code-a')).expiresAt;
    assert.ok(exp > Date.now() / 1000);
    assert.equal(reasonOf(bound({ now: () => new Date(exp * 1000) }), read('code-a')), 'expired');
  });

  test('revoked by a fresh list', () => {
    const revocations = lv.parseRevocations(jwks(), read('revocations.jwt'));
    assert.equal(revocations.minGen.get('sdk-b'), 2);
    const ver = bound({ revocations, maxListAgeSeconds: 3600 });
    assert.equal(reasonOf(ver, read('code-b-1')), 'revoked');
    assert.equal(reasonOf(ver, read('code-b-2')), 'valid');
    assert.equal(reasonOf(bound(), read('code-b-1')), 'valid');
  });

  test('the state file shared with Go, and a clock set back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'licentia-server-'));
    try {
      const path = join(dir, 'state.json');
      copyFileSync(join(FIXTURES, 'state-go.json'), path);
      const revocations = lv.parseRevocations(jwks(), read('revocations.jwt'));
      const st = lv.State.open(path); // written by licentia-verify
      assert.ok(st.seen > 0);
      assert.equal(st.minGeneration('sdk-a'), 1);
      assert.equal(st.listIssuedAt, revocations.issuedAt);
      const ver = bound({ revocations, state: st });
      assert.equal(reasonOf(ver, read('code-a')), 'valid');
      assert.equal(reasonOf(ver, read('code-b-2')), 'valid');
      assert.equal(reasonOf(ver, read('code-b-1')), 'revoked');
      const back = new Date(Date.now() - 7200 * 1000);
      assert.equal(reasonOf(bound({ state: lv.State.open(path), now: () => back }), read('code-a')), 'clock_rollback');
      copyFileSync(path, join(FIXTURES, 'state-node.json'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the online client against a real server', { skip }, () => {
  const url = () => read('url');
  const jwks = () => lv.Keyring.fromFile(join(FIXTURES, 'jwks.json'));

  test('refresh answers the current code, revocations the verified list', async () => {
    const c = new lv.Client(url());
    assert.equal(await c.refresh(`\n${read('code-a')}\n`), read('code-a'));
    const { list, data } = await c.revocations(jwks());
    assert.equal(list.minGen.get('sdk-b'), 2);
    assert.equal(lv.parseRevocations(jwks(), data).issuedAt, list.issuedAt);
  });

  test('updateRevocations: the whole list, then the changes since its iat', async () => {
    const c = new lv.Client(url());
    const first = await c.updateRevocations(jwks());
    assert.equal(first.list.minGen.get('sdk-b'), 2);
    assert.equal(first.document.toString().trim().split('\n').length, 1);
    // A delta appended, or the whole list again when the delta would make the document due for compaction.
    const next = await c.updateRevocations(jwks(), first.document);
    assert.equal(next.list.minGen.get('sdk-b'), 2);
    assert.ok(next.list.issuedAt >= first.list.issuedAt);
    assert.deepEqual(lv.parseRevocations(jwks(), next.document), next.list);
  });

  test('refresh with a deployment answers a code bound to it; the license\'s one seat refuses another', async () => {
    // sdk-a was imported without a quantity: one seat. This test takes it for "node-sdk-test".
    const c = new lv.Client(url());
    const me = { id: 'node-sdk-test', components: { machine_id: 'node-machine', hostname: 'node-host', mac: ['02:00:5e:00:53:01'] } };
    const code = await c.refresh(read('code-a'), me);
    const ver = (deployment) => new lv.Verifier(jwks(), { product: 'OFFI001', deployment });
    const r = ver(me).check(code);
    assert.equal(r.claims.licenseId, 'sdk-a');
    assert.ok(r.claims.deployment, 'the answer carries no "dep" claim');
    assert.equal(reasonOf(ver({ ...me, id: 'node-sdk-test', components: { machine_id: 'other', hostname: 'other', mac: ['02:00:5e:00:53:99'] } }), code),
      'wrong_deployment');
    assert.equal(await c.refresh(read('code-a'), lv.Deployment.of(me)), code, 'the same deployment again: the same code');
    await assert.rejects(c.refresh(read('code-a'), 'node-sdk-other'),
      (e) => e instanceof lv.ServerError && e.status === 409 && e.code === 'seats_exhausted');
  });

  test('refusals and an unreachable server', async () => {
    const c = new lv.Client(url());
    // This server has no marketplace credentials: activation is refused with the server's error code.
    await assert.rejects(c.activate('KOOGALLERY-CODE-0001'), (e) => e instanceof lv.ServerError && e.status === 503
      && e.code === 'marketplace_unconfigured');
    // A reissue voided the old code as proof of the license.
    await assert.rejects(c.refresh(read('code-b-1')), (e) => e instanceof lv.ServerError && e.code === 'code_superseded');
    await assert.rejects(c.refresh('not-a-code'), (e) => e instanceof lv.ServerError && e.status >= 400);
    await assert.rejects(new lv.Client('http://127.0.0.1:9').refresh(read('code-a')),
      (e) => e instanceof lv.OnlineError && !(e instanceof lv.ServerError));
  });
});
