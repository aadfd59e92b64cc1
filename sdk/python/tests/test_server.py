"""Codes of a real licentia server, prepared by .ci/sdk-python-node.sh in LICENTIA_SERVER_FIXTURES:
jwks.json and keys.pem (the server's keys), code-a (license sdk-a of OFFI001, as POST /v1/codes/refresh
answered it), code-b-1 and code-b-2 (license sdk-b before and after a reissue), revocations.jwt (GET
/v1/revocations after the reissue), state-go.json (a state file licentia-verify wrote) and url, where the
server listens. The test writes state-python.json, which the script then gives to licentia-verify."""

import base64
import json
import os
import shutil
import tempfile
import time
import unittest

import licentia_verify as lv

FIXTURES = os.environ.get("LICENTIA_SERVER_FIXTURES", "")
REQUIRED = os.environ.get("LICENTIA_REQUIRE_SERVER") == "1"


def read(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read().decode().strip()


def b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@unittest.skipUnless(FIXTURES or REQUIRED, "set LICENTIA_SERVER_FIXTURES (.ci/sdk-python-node.sh does)")
class RealServer(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.jwks = lv.Keyring.from_file(os.path.join(FIXTURES, "jwks.json"))
        cls.pem = lv.Keyring.from_file(os.path.join(FIXTURES, "keys.pem"))
        cls.code_a = read("code-a")
        cls.revs = lv.parse_revocations(cls.jwks, read("revocations.jwt"))

    def reason(self, ver, code):
        try:
            ver.check(code)
            return "valid"
        except lv.VerificationError as e:
            return e.reason

    def test_valid_with_either_key_file(self):
        self.assertEqual(self.jwks.key_ids, self.pem.key_ids)
        for kr in (self.jwks, self.pem):
            r = lv.Verifier(kr, product="OFFI001").check(self.code_a)
            self.assertEqual((r.claims.license_id, r.claims.product_id, r.claims.status), ("sdk-a", "OFFI001", "active"))
            self.assertEqual(r.key_id, kr.key_ids[0])
            self.assertFalse(r.in_grace)

    def test_wrong_product(self):
        self.assertEqual(self.reason(lv.Verifier(self.jwks, product="OFFI999"), self.code_a), "wrong_product")

    def test_forged_and_tampered(self):
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        h, p, s = self.code_a.split(".")
        other = Ed25519PrivateKey.generate()
        forged = h + "." + p + "." + b64(other.sign((h + "." + p).encode()))
        hdr = json.loads(unb64(h))
        hdr["kid"] = "0123456789abcdef"
        h2 = b64(json.dumps(hdr, separators=(",", ":")).encode())
        forged_kid = h2 + "." + p + "." + b64(other.sign((h2 + "." + p).encode()))
        claims = json.loads(unb64(p))
        claims["exp"] = 4102444800
        tampered = h + "." + b64(json.dumps(claims, separators=(",", ":")).encode()) + "." + s
        ver = lv.Verifier(self.jwks, product="OFFI001")
        self.assertEqual(self.reason(ver, forged), "bad_signature")
        self.assertEqual(self.reason(ver, forged_kid), "unknown_key")
        self.assertEqual(self.reason(ver, tampered), "bad_signature")

    def test_expired(self):
        exp = lv.Verifier(self.jwks, product="OFFI001").verify(self.code_a).expires_at
        self.assertGreater(exp, time.time())
        self.assertEqual(self.reason(lv.Verifier(self.jwks, product="OFFI001", now=lambda: exp), self.code_a),
                         "expired")

    def test_revoked_by_fresh_list(self):
        ver = lv.Verifier(self.jwks, product="OFFI001", revocations=self.revs, max_list_age=3600)
        self.assertEqual(self.revs.min_gen.get("sdk-b"), 2)
        self.assertEqual(self.reason(ver, read("code-b-1")), "revoked")
        self.assertEqual(self.reason(ver, read("code-b-2")), "valid")
        self.assertEqual(self.reason(lv.Verifier(self.jwks, product="OFFI001"), read("code-b-1")), "valid")

    def test_state_shared_with_go_and_rolled_back(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "state.json")
            shutil.copy(os.path.join(FIXTURES, "state-go.json"), path)
            st = lv.State.open(path)  # written by licentia-verify
            self.assertGreater(st.seen, 0)
            self.assertEqual(st.min_generation("sdk-a"), 1)
            self.assertEqual(st.list_issued_at, self.revs.issued_at)
            ver = lv.Verifier(self.jwks, product="OFFI001", revocations=self.revs, state=st)
            self.assertEqual(self.reason(ver, self.code_a), "valid")
            self.assertEqual(self.reason(ver, read("code-b-2")), "valid")
            self.assertEqual(self.reason(ver, read("code-b-1")), "revoked")
            back = time.time() - 7200
            rolled = lv.Verifier(self.jwks, product="OFFI001", state=lv.State.open(path), now=lambda: back)
            self.assertEqual(self.reason(rolled, self.code_a), "clock_rollback")
            shutil.copy(path, os.path.join(FIXTURES, "state-python.json"))


@unittest.skipUnless(FIXTURES or REQUIRED, "set LICENTIA_SERVER_FIXTURES (.ci/sdk-python-node.sh does)")
class OnlineClient(unittest.TestCase):
    def test_refresh_and_revocations(self):
        c = lv.Client(read("url"))
        self.assertEqual(c.refresh("\n" + read("code-a") + "\n"), read("code-a"))
        kr = lv.Keyring.from_file(os.path.join(FIXTURES, "jwks.json"))
        lst, data = c.revocations(kr)
        self.assertEqual(lst.min_gen.get("sdk-b"), 2)
        self.assertEqual(lv.parse_revocations(kr, data).issued_at, lst.issued_at)

    def test_update_revocations(self):
        # The whole list first, then the server's delta since its iat (or a whole list, when the
        # delta would make the document due for compaction): the same list either way.
        c = lv.Client(read("url"))
        kr = lv.Keyring.from_file(os.path.join(FIXTURES, "jwks.json"))
        lst, doc = c.update_revocations(kr)
        self.assertEqual(lst.min_gen.get("sdk-b"), 2)
        self.assertEqual(len(doc.splitlines()), 1)
        again, doc2 = c.update_revocations(kr, doc)
        self.assertEqual(again.min_gen.get("sdk-b"), 2)
        self.assertGreaterEqual(again.issued_at, lst.issued_at)
        self.assertEqual(lv.parse_revocations(kr, doc2), again)

    def test_refusals_and_an_unreachable_server(self):
        c = lv.Client(read("url"))
        # This server has no marketplace credentials: activation is refused with the server's error code.
        with self.assertRaises(lv.ServerError) as cm:
            c.activate("KOOGALLERY-CODE-0001")
        self.assertEqual((cm.exception.status, cm.exception.code), (503, "marketplace_unconfigured"))
        with self.assertRaises(lv.ServerError) as cm:  # a reissue voided the old code as proof
            c.refresh(read("code-b-1"))
        self.assertEqual(cm.exception.code, "code_superseded")
        with self.assertRaises(lv.ServerError) as cm:
            c.refresh("not-a-code")
        self.assertGreaterEqual(cm.exception.status, 400)
        with self.assertRaises(lv.OnlineError) as cm:
            lv.Client("http://127.0.0.1:9").refresh(read("code-a"))
        self.assertNotIsInstance(cm.exception, lv.ServerError)


if __name__ == "__main__":
    unittest.main()
