// Revocation documents (a whole list, then deltas): every vector of
// verifier/testdata/revocation_delta_vectors.json, the compaction rule, and Client.updateRevocations against
// a local HTTP server that answers as licentia does.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import * as lv from 'licentia-verify';
import { sign, vectorsPath } from './support.js';

/** LICENTIA_REVOCATION_DELTA_VECTORS, or revocation_delta_vectors.json next to the golden vectors. */
const DV = JSON.parse(readFileSync(process.env.LICENTIA_REVOCATION_DELTA_VECTORS
  || join(dirname(vectorsPath), 'revocation_delta_vectors.json'), 'utf8'));
const KR = lv.Keyring.parse(DV.public_key_pem);
const ERRORS = {
  ErrMalformed: lv.MalformedError, ErrWrongType: lv.WrongTypeError, ErrAlgorithm: lv.AlgorithmError,
  ErrUnknownKey: lv.UnknownKeyError, ErrSignature: lv.SignatureError, ErrStaleList: lv.StaleListError,
};
const text = (v) => v.document + (v.repeat ? `${v.repeat.line}\n`.repeat(v.repeat.times) : '');
const docs = Object.fromEntries(DV.documents.map((v) => [v.name, v]));
const appends = Object.fromEntries(DV.appends.map((a) => [a.name, a]));

function outcome(fn, want) {
  if (want.valid) return fn();
  assert.throws(fn, (e) => {
    assert.equal(e.reason, want.reason, e.message);
    assert.equal(e.constructor, ERRORS[want.error]);
    return true;
  });
  return null;
}

function checkList(list, want) {
  assert.equal(list.issuedAt, want.iat);
  assert.deepEqual(Object.fromEntries(list.minGen), want.min_gen ?? {});
}

describe('revocation delta vectors', () => {
  test('constants', () => assert.equal(lv.MAX_REVOCATION_DELTAS, DV.max_deltas));

  test('documents', () => {
    assert.ok(DV.documents.length >= 29);
    for (const v of DV.documents) {
      for (const doc of [text(v), Buffer.from(text(v))]) {
        const list = outcome(() => lv.parseRevocations(KR, doc), v.want);
        if (list) checkList(list, v.want);
      }
    }
  });

  test('appends', () => {
    assert.ok(DV.appends.length >= 9);
    for (const a of DV.appends) {
      const got = outcome(() => lv.appendRevocations(KR, a.document, a.body), a.want);
      if (!got) continue;
      assert.equal(got.document.toString(), a.want_document, a.name);
      checkList(got.list, a.want);
      checkList(lv.parseRevocations(KR, got.document), a.want);
    }
  });

  test('an error names the delta', () => {
    assert.throws(() => lv.parseRevocations(KR, docs.delta_bad_signature.document),
      (e) => e instanceof lv.SignatureError && e.message.includes('delta 2'));
  });

  test('compaction rule', () => {
    // The rule reads lines without verifying them: a first line of 1000 bytes and shorter deltas.
    const first = `${'L'.repeat(1000)}\n`;
    assert.equal(lv.revocationsCompactDue(null), true);
    assert.equal(lv.revocationsCompactDue(' \n\r\n'), true);
    assert.equal(lv.revocationsCompactDue(first), false);
    assert.equal(lv.revocationsCompactDue(`${first}${'d'.repeat(500)}\n \t${'d'.repeat(500)}\r\n`), false);
    assert.equal(lv.revocationsCompactDue(`${first}${'d'.repeat(500)}\n${'d'.repeat(501)}\n`), true);
    const short = `${'L'.repeat(5000)}\n${'x\n'.repeat(lv.MAX_REVOCATION_DELTAS - 1)}`;
    assert.equal(lv.revocationsCompactDue(short), false);
    assert.equal(lv.revocationsCompactDue(`${short}x\n`), true);
    assert.equal(lv.revocationsCompactDue(text(docs.list_alone)), false);
    assert.equal(lv.revocationsCompactDue(text(docs.max_deltas)), true);
  });

  test('bounds', () => {
    const list = docs.list_alone.document.trim();
    assert.throws(() => lv.parseRevocations(KR, list + ' '.repeat(lv.MAX_REVOCATION_DOCUMENT_SIZE)), lv.MalformedError);
    assert.throws(() => lv.appendRevocations(KR, null, list + ' '.repeat(lv.MAX_REVOCATION_LIST_SIZE)), lv.MalformedError);
    assert.throws(() => lv.appendRevocations(KR, null, `${list}\n${list}`), lv.MalformedError);
    assert.throws(() => lv.appendRevocations(KR, null, ''), lv.MalformedError);
  });
});

describe('Client.updateRevocations', () => {
  const [L, d1, d2] = docs.valid_chain.document.split('\n');
  const newer = appends.list_replaces.body, older = appends.older_list.body;
  const iat = docs.list_alone.want.iat;

  // serve answers GET /v1/revocations[?since=] with answer(path), recording each path asked.
  async function serve(t, answer) {
    const s = { paths: [], answer };
    const server = createServer((req, res) => {
      s.paths.push(req.url);
      const body = Buffer.from(s.answer(req.url));
      res.writeHead(200, { 'Content-Length': body.length });
      res.end(body);
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }));
    s.url = `http://127.0.0.1:${server.address().port}`;
    return s;
  }

  test('no document: the whole list', async (t) => {
    const s = await serve(t, () => L);
    const { list, document } = await new lv.Client(s.url).updateRevocations(KR);
    assert.deepEqual(s.paths, ['/v1/revocations']);
    assert.equal(document.toString(), `${L}\n`);
    assert.equal(list.issuedAt, iat);
  });

  test('a delta is appended, and the next call asks since its iat', async (t) => {
    const s = await serve(t, (path) => (path.includes('since') ? d1 : newer));
    let { list, document } = await new lv.Client(s.url).updateRevocations(KR, `${L}\n`);
    assert.deepEqual(s.paths, [`/v1/revocations?since=${iat}`]);
    assert.equal(document.toString(), `${L}\n${d1}\n`);
    assert.equal(list.minGen.get('inst-0005'), 2);
    s.answer = () => d2;
    ({ list, document } = await new lv.Client(s.url).updateRevocations(KR, document));
    assert.equal(s.paths[1], `/v1/revocations?since=${iat + 60}`);
    checkList(list, docs.valid_chain.want);
  });

  test('a gap: the whole list', async (t) => {
    const s = await serve(t, (path) => (path.includes('since') ? d2 : newer));
    const { list, document } = await new lv.Client(s.url).updateRevocations(KR, L);
    assert.deepEqual(s.paths, [`/v1/revocations?since=${iat}`, '/v1/revocations']);
    assert.equal(document.toString(), `${newer}\n`);
    assert.deepEqual(Object.fromEntries(list.minGen), { 'inst-0009': 2 });
  });

  test('a whole list answered to since replaces the document', async (t) => {
    const s = await serve(t, () => newer);
    const { document } = await new lv.Client(s.url).updateRevocations(KR, `${L}\n${d1}\n`);
    assert.deepEqual(s.paths, [`/v1/revocations?since=${iat + 60}`]);
    assert.equal(document.toString(), `${newer}\n`);
  });

  test('an unreadable document: the whole list', async (t) => {
    const s = await serve(t, () => L);
    const { document } = await new lv.Client(s.url).updateRevocations(KR, 'not a document\n');
    assert.deepEqual(s.paths, ['/v1/revocations']);
    assert.equal(document.toString(), `${L}\n`);
  });

  test('a delta that makes the document due for compaction: the whole list', async (t) => {
    const minGen = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`inst-${String(i).padStart(4, '0')}`, 2]));
    const big = sign({ iat: iat + 60, since: iat, min_gen: minGen, removed: [] }, { typ: 'licentia-revocations-delta+jwt' });
    assert.equal(lv.revocationsCompactDue(lv.appendRevocations(KR, L, big).document), true);
    const s = await serve(t, (path) => (path.includes('since') ? big : newer));
    const { document } = await new lv.Client(s.url).updateRevocations(KR, L);
    assert.deepEqual(s.paths, [`/v1/revocations?since=${iat}`, '/v1/revocations']);
    assert.equal(document.toString(), `${newer}\n`);
  });

  test('an older answer is a stale list', async (t) => {
    const s = await serve(t, () => older);
    await assert.rejects(new lv.Client(s.url).updateRevocations(KR, `${L}\n`), lv.StaleListError);
    assert.deepEqual(s.paths, [`/v1/revocations?since=${iat}`]);
  });

  test('an unreachable server', async () => {
    await assert.rejects(new lv.Client('http://127.0.0.1:9').updateRevocations(KR, L),
      (e) => e instanceof lv.OnlineError && !(e instanceof lv.ServerError));
  });
});
