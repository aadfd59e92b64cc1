import datetime
import json
import os
import tempfile
import unittest

import licentia_verify as lv
from _support import jwks_of, load_vectors

# The Go sentinel each vector names, as this package's exception class.
ERRORS = {
    "ErrMalformed": lv.MalformedError, "ErrWrongType": lv.WrongTypeError, "ErrAlgorithm": lv.AlgorithmError,
    "ErrUnknownKey": lv.UnknownKeyError, "ErrSignature": lv.SignatureError, "ErrExpired": lv.ExpiredError,
    "ErrNotYetValid": lv.NotYetValidError, "ErrWrongIssuer": lv.WrongIssuerError,
    "ErrWrongProduct": lv.WrongProductError, "ErrWrongSKU": lv.WrongSKUError, "ErrTestCode": lv.TestCodeError,
    "ErrRevoked": lv.RevokedError, "ErrSuperseded": lv.SupersededError, "ErrInactive": lv.InactiveError,
    "ErrStaleList": lv.StaleListError, "ErrClockRollback": lv.ClockRollbackError,
}


class GoldenVectors(unittest.TestCase):
    """Every vector of verifier/testdata/vectors.json, with the key as PEM and as JWKS."""

    @classmethod
    def setUpClass(cls):
        cls.vf = load_vectors()

    def run_vectors(self, keyring):
        vf = self.vf
        now = datetime.datetime.fromtimestamp(vf["now_unix"], datetime.timezone.utc)
        revs = lv.parse_revocations(keyring, vf["revocations"])
        self.assertGreater(len(vf["vectors"]), 40)
        for v in vf["vectors"]:
            with self.subTest(v["name"]), tempfile.TemporaryDirectory() as d:
                state = None
                if "state" in v:
                    path = os.path.join(d, "state.json")
                    with open(path, "w") as f:
                        f.write(json.dumps(v["state"]))
                    state = lv.State.open(path)
                o = vf["options"]
                ver = lv.Verifier(keyring, product=o["product"], sku=o["sku"], issuer=o["issuer"],
                                  now=lambda: now, revocations=revs, state=state,
                                  allow_test=v.get("allow_test", False))
                want = v["want"]
                if want["valid"]:
                    r = ver.check(v["code"])
                    self.assertEqual(r.in_grace, want["in_grace"])
                    self.assertEqual(r.key_id, vf["key_id"])
                    self.assertEqual(lv.reason(None), want["reason"])
                    continue
                with self.assertRaises(lv.VerificationError) as cm:
                    ver.check(v["code"])
                e = cm.exception
                self.assertEqual(e.reason, want["reason"])
                self.assertEqual(lv.reason(e), want["reason"])
                self.assertIs(type(e), ERRORS[want["error"]])
                if len(v["code"].strip()) > 40:  # the message never holds the code
                    self.assertNotIn(v["code"].strip()[-40:], str(e))

    def test_pem(self):
        self.run_vectors(lv.Keyring.parse(self.vf["public_key_pem"]))

    def test_jwks(self):
        self.run_vectors(lv.Keyring.parse(jwks_of(self.vf)))

    def test_cached_repeat_reaches_the_same_outcome(self):
        # A second check of each code (answered from the cache of authentic codes) agrees with the first.
        vf = self.vf
        kr = lv.Keyring.parse(vf["public_key_pem"])
        revs = lv.parse_revocations(kr, vf["revocations"])
        o = vf["options"]
        ver = lv.Verifier(kr, product=o["product"], sku=o["sku"], issuer=o["issuer"], now=lambda: vf["now_unix"],
                          revocations=revs)
        for v in vf["vectors"]:
            if "state" in v or v.get("allow_test"):
                continue
            got = []
            for _ in range(2):
                try:
                    got.append(lv.reason(None) if ver.check(v["code"]) else "")
                except lv.VerificationError as e:
                    got.append(e.reason)
            self.assertEqual(got, [v["want"]["reason"]] * 2, v["name"])


if __name__ == "__main__":
    unittest.main()
