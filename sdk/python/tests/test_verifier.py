import base64
import json
import random
import os
import stat
import tempfile
import unittest

import licentia_verify as lv
from _support import claims, jwks_of, load_vectors, signer

VF = load_vectors()
NOW = VF["now_unix"]
KR = lv.Keyring.parse(VF["public_key_pem"])
SIGN = signer(VF)


def reason_of(ver, code):
    try:
        ver.check(code)
        return "valid"
    except lv.VerificationError as e:
        return e.reason


class Binding(unittest.TestCase):
    def test_refuses_to_run_unbound(self):
        with self.assertRaisesRegex(ValueError, "any_product"):
            lv.Verifier(KR)
        with self.assertRaises(ValueError):
            lv.Verifier(KR, product="OFFI001", any_product=True)

    def test_product_sku_any(self):
        code = SIGN(claims())
        self.assertEqual(reason_of(lv.Verifier(KR, product="OFFI999", now=lambda: NOW), code), "wrong_product")
        self.assertEqual(reason_of(lv.Verifier(KR, product=["OFFI999", "OFFI001"], now=lambda: NOW), code), "valid")
        self.assertEqual(reason_of(lv.Verifier(KR, sku="sku-pro", now=lambda: NOW), code), "wrong_sku")
        self.assertEqual(reason_of(lv.Verifier(KR, any_product=True, now=lambda: NOW), code), "valid")
        with self.assertRaises(lv.WrongProductError):  # wrong_sku is also wrong_product
            lv.Verifier(KR, sku="sku-pro", now=lambda: NOW).verify(code)

    def test_refused_code_carries_its_authentic_claims(self):
        with self.assertRaises(lv.WrongProductError) as cm:
            lv.Verifier(KR, product="OFFI999", now=lambda: NOW).verify(SIGN(claims()))
        self.assertEqual(cm.exception.claims.license_id, "inst-0100")
        self.assertEqual(cm.exception.key_id, VF["key_id"])


class Form(unittest.TestCase):
    """Go's encoding/json semantics on signed claims and headers."""

    def ver(self):
        return lv.Verifier(KR, product="OFFI001", now=lambda: NOW)

    def test_claims_json(self):
        cases = [
            (claims(gen=2.0), "malformed"),  # integers have no fraction
            (b'{"iss":"licentia","sub":"inst-0100","gen":2e0,"st":"active","pid":"OFFI001"}', "malformed"),
            (claims(gen="2"), "malformed"),
            (claims(gen=0), "malformed"),
            (claims(exp=-1), "malformed"),
            (claims(gen=1 << 63), "malformed"),  # beyond int64
            (claims(exp=None, grace=5), "valid"),
            (b'{"iss":"licentia","sub":"inst-0100","gen":2,"st":"active","pid":"OFFI001","exp":null}', "valid"),
            (b'{"SUB":"inst-0100","GEN":2,"St":"active","\xc5\xbfku":"x","PID":"OFFI001"}', "valid"),  # folded names
            (b'{"sub":"a","gen":2,"st":"frozen","st":"active","pid":"OFFI001"}', "valid"),  # a later duplicate wins
            (b'{"sub":"a","gen":2,"st":"active","pid":"OFFI001","GEN":null,"st":null}', "valid"),  # null changes nothing
            (b'{"sub":"a","gen":2,"st":"active","pid":"OFFI001","extra":{"x":[1,2.5]}}', "valid"),
            (b'{"sub":"a","gen":2,"st":"active","pid":"OFFI001","test":1}', "malformed"),
            (b'{"sub":"a","gen":2,"st":"active","pid":"OFFI001","x":NaN}', "malformed"),
            (b'[1]', "malformed"),
            (b'{"sub":"\xff","gen":2,"st":"active","pid":"OFFI001"}', "valid"),  # invalid UTF-8 is replaced
        ]
        for payload, want in cases:
            with self.subTest(payload):
                self.assertEqual(reason_of(self.ver(), SIGN(payload)), want)

    def test_headers(self):
        p = claims()
        self.assertEqual(reason_of(self.ver(), SIGN(p, alg="Ed25519")), "valid")
        self.assertEqual(reason_of(self.ver(), SIGN(p, alg="ES256")), "wrong_algorithm")
        self.assertEqual(reason_of(self.ver(), SIGN(p, typ="JWT")), "wrong_type")
        self.assertEqual(reason_of(self.ver(), SIGN(p, kid="0123456789abcdef")), "unknown_key")
        code = SIGN(p)
        self.assertEqual(reason_of(self.ver(), code.replace(".", "..", 1)), "malformed")
        self.assertEqual(reason_of(self.ver(), "x" * (70 << 10)), "malformed")
        self.assertEqual(reason_of(self.ver(), code.encode()), "valid")
        self.assertEqual(reason_of(self.ver(), "\u00e9" + code), "malformed")

    def test_time_rules(self):
        ver = lambda **kw: lv.Verifier(KR, product="OFFI001", now=lambda: NOW, **kw)  # noqa: E731
        self.assertEqual(reason_of(ver(), SIGN(claims(exp=NOW))), "expired")
        r = ver().check(SIGN(claims(exp=NOW, grace=1)))
        self.assertTrue(r.in_grace)
        self.assertEqual(reason_of(ver(), SIGN(claims(exp=NOW, grace=(1 << 63) - 1))), "valid")  # saturates
        self.assertEqual(reason_of(ver(), SIGN(claims(nbf=NOW + 1))), "not_yet_valid")
        self.assertEqual(reason_of(ver(leeway=1), SIGN(claims(nbf=NOW + 1))), "valid")
        self.assertTrue(ver(leeway=1).check(SIGN(claims(exp=NOW))).in_grace)

    def test_clock_in_fractions_counts_whole_seconds_down(self):
        import datetime
        code = SIGN(claims(exp=NOW))
        for clock in (NOW - 0.5, datetime.datetime.fromtimestamp(NOW - 0.5, datetime.timezone.utc)):
            r = lv.Verifier(KR, product="OFFI001", now=lambda: clock).check(code)
            self.assertFalse(r.in_grace)
        with self.assertRaises(TypeError):
            lv.Verifier(KR, product="OFFI001", now=lambda: datetime.datetime(2026, 3, 1)).check(code)


# A valid P-256 public key point (the generator), uncompressed.
P256_POINT = bytes.fromhex("046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bc"
                           "e33576b315ececbb6406837bf51f5")


def pem(der):
    return "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n" % base64.b64encode(der).decode()


class Keys(unittest.TestCase):
    def test_pem_and_jwks_agree(self):
        self.assertEqual(lv.Keyring.parse(jwks_of(VF)).key_ids, [VF["key_id"]])
        two = VF["public_key_pem"] + "junk between blocks\n" + VF["public_key_pem"]
        self.assertEqual(lv.Keyring.parse(two).key_ids, [VF["key_id"]])

    def test_refused(self):
        jwk = json.loads(jwks_of(VF))["keys"][0]
        cases = [
            "",
            "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB\n-----END PRIVATE KEY-----\n"
            + VF["public_key_pem"],
            json.dumps({"keys": [dict(jwk, d="AAAA")]}),
            json.dumps({"keys": [dict(jwk, kid="0000000000000000")]}),
            json.dumps({"keys": [dict(jwk, x=jwk["x"] + "A")]}),
            json.dumps({"keys": [dict(jwk, crv="X25519")]}),  # skipped: then no key at all
            json.dumps({"keys": {}}),
            "{",
            pem(bytes.fromhex("302a300506032a0304032100") + b"\x01" * 32),  # an algorithm no library knows
            pem(bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200") + P256_POINT),  # not Ed25519
        ]
        for data in cases:
            with self.subTest(data[:60]), self.assertRaises(lv.KeyringError) as cm:
                lv.Keyring.parse(data)
            self.assertEqual(cm.exception.reason, "keyring_error")
        self.assertEqual(lv.Keyring.parse(json.dumps({"keys": [dict(jwk, d=None)]})).key_ids, [VF["key_id"]])


class NeverAnythingElse(unittest.TestCase):
    def test_mutated_codes_and_lists(self):
        # Any input gives a result or a VerificationError: never another exception.
        rng = random.Random(1)
        code = SIGN(claims())
        lst = SIGN({"iat": NOW, "min_gen": {"a": 2}}, typ="licentia-revocations+jwt")
        alphabet = "AZaz09-_.=+/ \n\t{}\"\\\x00\u00e9\u212a"
        ver = lv.Verifier(KR, product="OFFI001", now=lambda: NOW)
        for _ in range(3000):
            for base, check in ((code, ver.check), (lst, lambda d: lv.parse_revocations(KR, d))):
                s = list(base)
                for _ in range(rng.randint(1, 4)):
                    op, i = rng.randint(0, 2), rng.randrange(len(s))
                    if op == 0:
                        s[i] = rng.choice(alphabet)
                    elif op == 1:
                        del s[i]
                    else:
                        s.insert(i, rng.choice(alphabet))
                try:
                    check("".join(s))
                except lv.VerificationError:
                    pass


class RevocationsAndState(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "state.json")

    def tearDown(self):
        self.dir.cleanup()

    def ver(self, at, **kw):
        return lv.Verifier(KR, product="OFFI001", now=lambda: at, **kw)

    def test_list(self):
        lst = lv.parse_revocations(KR, SIGN({"iat": NOW - 100, "min_gen": {"inst-0100": 3}},
                                            typ="licentia-revocations+jwt"))
        self.assertEqual(lst.min_gen, {"inst-0100": 3})
        self.assertEqual(reason_of(self.ver(NOW, revocations=lst), SIGN(claims())), "revoked")
        self.assertEqual(reason_of(self.ver(NOW, revocations=lst), SIGN(claims(gen=3))), "valid")
        for bad, want in [({"iat": 1}, lv.MalformedError), ({"iat": 1, "min_gen": {"": 2}}, lv.MalformedError),
                          ({"iat": 1, "min_gen": {"a": 0}}, lv.MalformedError)]:
            with self.assertRaises(want):
                lv.parse_revocations(KR, SIGN(bad, typ="licentia-revocations+jwt"))
        with self.assertRaises(lv.WrongTypeError):
            lv.parse_revocations(KR, SIGN(claims()))
        with self.assertRaises(lv.WrongTypeError):
            self.ver(NOW).verify(SIGN({"iat": 1, "min_gen": {}}, typ="licentia-revocations+jwt"))

    def test_max_list_age(self):
        lst = lv.parse_revocations(KR, SIGN({"iat": NOW - 100, "min_gen": {}}, typ="licentia-revocations+jwt"))
        self.assertEqual(reason_of(self.ver(NOW, revocations=lst, max_list_age=100), SIGN(claims())), "valid")
        self.assertEqual(reason_of(self.ver(NOW, revocations=lst, max_list_age=99), SIGN(claims())), "stale_list")
        self.assertEqual(reason_of(self.ver(NOW, max_list_age=3600), SIGN(claims())), "stale_list")
        # Codes refused before the freshness step keep their own reason.
        self.assertEqual(reason_of(self.ver(NOW, max_list_age=3600), SIGN(claims(st="frozen"))), "inactive")

    def test_state_file(self):
        code2, code3 = SIGN(claims()), SIGN(claims(gen=3))
        self.assertEqual(reason_of(self.ver(NOW, state=lv.State.open(self.path)), code3), "valid")
        self.assertEqual(stat.S_IMODE(os.stat(self.path).st_mode), 0o600)
        with open(self.path) as f:
            doc = json.load(f)
        self.assertEqual(doc, {"format": "licentia-verifier-state/1", "seen": NOW, "min_gen": {"inst-0100": 3}})
        # The older generation put back is superseded; a clock set back an hour is a rollback.
        self.assertEqual(reason_of(self.ver(NOW, state=lv.State.open(self.path)), code2), "superseded")
        with self.assertRaises(lv.RevokedError):  # superseded is also revoked
            self.ver(NOW, state=lv.State.open(self.path)).verify(code2)
        self.assertEqual(reason_of(self.ver(NOW - 3600, state=lv.State.open(self.path)), code3), "clock_rollback")
        self.assertEqual(reason_of(self.ver(NOW - 599, state=lv.State.open(self.path)), code3), "valid")
        self.assertEqual(reason_of(self.ver(NOW - 3600, state=lv.State.open(self.path), rollback_tolerance=7200),
                                   code3), "valid")

    def test_older_list_refused(self):
        new = lv.parse_revocations(KR, SIGN({"iat": NOW - 10, "min_gen": {}}, typ="licentia-revocations+jwt"))
        old = lv.parse_revocations(KR, SIGN({"iat": NOW - 20, "min_gen": {}}, typ="licentia-revocations+jwt"))
        code = SIGN(claims())
        self.assertEqual(reason_of(self.ver(NOW, state=lv.State.open(self.path), revocations=new), code), "valid")
        st = lv.State.open(self.path)
        self.assertEqual(st.list_issued_at, NOW - 10)
        self.assertEqual(reason_of(self.ver(NOW, state=st, revocations=old), code), "stale_list")
        self.assertEqual(reason_of(self.ver(NOW, state=st, revocations=new), code), "valid")

    def test_foreign_state_is_refused_and_kept(self):
        for data in ["", "  \n", "{}", '{"format":"other/1","seen":1}', '{"format":"licentia-verifier-state/1","x":1}',
                     '{"format":"licentia-verifier-state/1","seen":-1}',
                     '{"format":"licentia-verifier-state/1","min_gen":{"a":0}}', "[]", "{} {}"]:
            with open(self.path, "w") as f:
                f.write(data)
            with self.subTest(data), self.assertRaises(lv.StateError) as cm:
                lv.State.open(self.path)
            self.assertEqual(cm.exception.reason, "state_error")
            with open(self.path) as f:
                self.assertEqual(f.read(), data)

    def test_unwritable_state_refuses_the_code(self):
        st = lv.State.open(os.path.join(self.dir.name, "missing-dir", "state.json"))
        self.assertEqual(reason_of(self.ver(NOW, state=st), SIGN(claims())), "state_error")


class Online(unittest.TestCase):
    def test_an_answer_too_large_is_not_an_online_error(self):
        import http.server
        import threading

        class Huge(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Length", str(65 << 20))  # and the body never comes
                self.end_headers()
                self.wfile.write(b"x")

            def log_message(self, *args):
                pass

        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Huge)
        srv.daemon_threads = True
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        try:
            c = lv.Client("http://127.0.0.1:%d" % srv.server_address[1], timeout=5)
            with self.assertRaises(lv.TooLargeError):
                c.revocations(KR)
            self.assertFalse(issubclass(lv.TooLargeError, lv.OnlineError))
        finally:
            srv.shutdown()
            srv.server_close()


if __name__ == "__main__":
    unittest.main()
