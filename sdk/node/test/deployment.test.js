// Deployment binding (the "dep" claim): every vector of verifier/testdata/deployment_vectors.json, the
// table of scripted machine changes, and "dep" decoded as the Go verifier decodes it.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import * as lv from 'licentia-verify';
import { at, claims, sign, vectorsPath } from './support.js';

/** LICENTIA_DEPLOYMENT_VECTORS, or deployment_vectors.json next to the golden vectors. */
const DV = JSON.parse(readFileSync(process.env.LICENTIA_DEPLOYMENT_VECTORS ||
  join(dirname(vectorsPath), 'deployment_vectors.json'), 'utf8'));
const KR = lv.Keyring.parse(DV.public_key_pem);

const ERRORS = {
  wrong_deployment: lv.WrongDeploymentError, malformed: lv.MalformedError, wrong_product: lv.WrongProductError,
  deployment_error: lv.DeploymentError,
};

function verifier(deployment) {
  const o = DV.options;
  return new lv.Verifier(KR, { product: o.product, sku: o.sku, issuer: o.issuer, now: at(DV.now_unix), deployment });
}

// outcome is the reason of checking code with deployment (undefined: none), twice (the second from the
// memory of authentic codes), or deployment_error when the Verifier refuses the deployment.
function outcome(code, deployment) {
  let v;
  try {
    v = verifier(deployment);
  } catch (e) {
    assert.ok(e instanceof lv.DeploymentError, String(e));
    assert.equal(lv.reason(e), 'deployment_error');
    return 'deployment_error';
  }
  const got = [];
  for (let n = 0; n < 2; n++) {
    try {
      v.check(code);
      got.push('valid');
    } catch (e) {
      assert.equal(e.constructor, ERRORS[e.reason], String(e));
      got.push(e.reason);
    }
  }
  assert.equal(got[0], got[1]);
  return got[0];
}

test('every hash vector', () => {
  assert.ok(DV.hashes.length >= 10);
  for (const h of DV.hashes) {
    const salt = Buffer.from(h.salt, 'base64url');
    assert.equal(lv.normalizeComponent(h.name, h.value), h.normalized, JSON.stringify(h));
    assert.equal(lv.deploymentHash(salt, h.name, h.value), h.hash, JSON.stringify(h));
  }
});

test('every code vector', () => {
  assert.ok(DV.codes.length > 20);
  for (const c of DV.codes) assert.equal(outcome(c.code, c.deployment), c.want.reason, c.name);
});

test('the machine-change table', () => {
  const machines = new Map(DV.machines.map((m) => [m.name, m]));
  assert.ok(DV.changes.length >= 10);
  for (const s of DV.changes) {
    const m = machines.get(s.machine);
    assert.equal(outcome(m.code, s.deployment), s.want.reason, s.name);
    const c = verifier().verify(m.code).deployment;
    assert.equal(c.match, m.match, s.name);
    assert.deepEqual(c.matches(s.deployment), { matched: s.matched, needed: s.needed, ok: s.want.valid }, s.name);
  }
});

test('the claims carry the binding', () => {
  const m = DV.machines[0];
  const dep = JSON.parse(JSON.stringify(verifier(m.bound).verify(m.code))).dep;
  assert.equal(dep.k, m.match);
  assert.deepEqual(Object.keys(dep.c).sort(), Object.keys(m.bound.components).sort());
  assert.equal(verifier().verify(DV.codes.find((c) => c.name === 'dep_absent').code).deployment, null);
});

test('"dep" member names fold and objects merge, as in Go', () => {
  const m = DV.machines[0];
  const real = JSON.parse(JSON.stringify(verifier().verify(m.code).deployment));
  const base = JSON.stringify(claims()).slice(0, -1);
  const other = { id: 'x', components: { machine_id: 'nope' } };
  const full = JSON.stringify(real);
  const first = JSON.stringify({ S: real.s, iD: real.id });
  const second = JSON.stringify({ C: real.c, '\u212a': real.k });
  const cases = [
    [`${base},"DEP":${full}}`, m.bound, 'valid'],
    [`${base},"DEP":${full}}`, other, 'wrong_deployment'],
    [`${base},"dep":${first},"dep":${second}}`, other, 'wrong_deployment'], // merged
    [`${base},"dep":${first},"dep":${second}}`, m.bound, 'valid'],
    [`${base},"dep":${full},"dep":null}`, other, 'valid'], // null: absent
    [`${base},"dep":${full},"dep":{"c":null}}`, other, 'malformed'], // c cleared, k stays
    [`${base},"dep":${full},"dep":{"s":null,"k":null}}`, other, 'wrong_deployment'], // null keeps
    [`${base},"dep":[]}`, undefined, 'malformed'],
    [`${base},"dep":${full.replace('"k":3', '"k":"3"')}}`, undefined, 'malformed'],
    [`${base},"dep":${full.replace('"k":3', '"k":3.0')}}`, undefined, 'malformed'],
    [`${base},"dep":${full.replace('"c":{', '"c":{"__proto__":["x"],')}}`, undefined, 'malformed'],
  ];
  for (const [payload, dep, want] of cases) {
    const v = new lv.Verifier(KR, { anyProduct: true, now: at(DV.now_unix), deployment: dep });
    let got = 'valid';
    try {
      v.check(sign(payload));
    } catch (e) {
      got = e.reason;
    }
    assert.equal(got, want, payload.slice(-100));
  }
});

test('a deployment out of bounds is refused at construction', () => {
  const bad = ['', ' ', 'a\u0000b', '\ud800x', { id: 'x', components: { MAC: '1' } }, { id: 'x', components: { mac: '::' } },
    { id: 'x', components: { mac: [] } }, { id: 'x'.repeat(1025) }, { id: 7 }, { id: 'x', components: [] },
    { id: 'x', components: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`c${i}`, 'v'])) },
    { id: 'x', components: { disk: Array.from({ length: 17 }, (_, i) => `s${i}`) } },
    { id: 'x', components: { disk: 's'.repeat(257) } }, { id: 'x', components: { disk: 7 } },
    { id: 'x', components: { disk: ['a\u0085b'] } }, 42, ['x']];
  for (const d of bad) {
    assert.throws(() => new lv.Verifier(KR, { anyProduct: true, deployment: d }), lv.DeploymentError, JSON.stringify(d));
  }
  // white space around values is trimmed, inside bounds by code points
  const d = lv.Deployment.of({ id: ` ${'主'.repeat(126)}\n`, components: { hostname: 'web-1\n', mac: ['A', 'B'] } });
  assert.deepEqual(JSON.parse(JSON.stringify(d)),
    { id: ` ${'主'.repeat(126)}\n`, components: { hostname: ['web-1\n'], mac: ['A', 'B'] } });
  assert.ok(lv.Deployment.of({ id: '😀'.repeat(1024) })); // a G1b deviceFingerprint's length, in code points
});

test('the online client sends the deployment in its object form, and never an invalid one', async () => {
  const { createServer } = await import('node:http');
  const bodies = [];
  const srv = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      bodies.push({ path: req.url, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      const out = '{"code":"c","license_id":"i","generation":1,"status":"active","expires_at":null}';
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(out.length) });
      res.end(out);
    });
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  try {
    const c = new lv.Client(`http://127.0.0.1:${srv.address().port}`);
    await c.activate(' KG-1 ', { id: 'vm-1', components: { mac: '52:54:00:00:00:01', disk: ['d1', 'd2'] } });
    assert.equal(await c.refresh('old', lv.Deployment.of('vm-2')), 'c');
    await c.refresh(Buffer.from('old\n'), 'vm-3');
    await c.refresh('old');
    await c.activate('KG-2');
    for (const bad of [{ id: '' }, 'x'.repeat(1025), { id: 'vm', components: { 'Bad-Name': 'v' } }, { id: 'vm\u0001' }, 42]) {
      await assert.rejects(c.activate('KG-1', bad), lv.DeploymentError);
      await assert.rejects(c.refresh('old', bad), lv.DeploymentError);
    }
    assert.deepEqual(bodies, [
      { path: '/v1/activations', body: { code: 'KG-1', deployment: { id: 'vm-1', components: { mac: ['52:54:00:00:00:01'], disk: ['d1', 'd2'] } } } },
      { path: '/v1/codes/refresh', body: { code: 'old', deployment: { id: 'vm-2' } } },
      { path: '/v1/codes/refresh', body: { code: 'old', deployment: { id: 'vm-3' } } },
      { path: '/v1/codes/refresh', body: { code: 'old' } },
      { path: '/v1/activations', body: { code: 'KG-2' } },
    ]);
  } finally {
    srv.closeAllConnections();
    srv.close();
  }
});
