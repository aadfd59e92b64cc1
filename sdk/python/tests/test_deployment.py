"""Deployment binding (the "dep" claim): every vector of verifier/testdata/deployment_vectors.json, the
table of scripted machine changes, and what the online client sends."""

import base64
import http.server
import json
import os
import threading
import unittest

import licentia_verify as lv
from _support import claims, signer, vectors_path


def load_deployment_vectors():
    path = os.environ.get("LICENTIA_DEPLOYMENT_VECTORS") or os.path.join(
        os.path.dirname(vectors_path()), "deployment_vectors.json")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


ERRORS = {"valid": None, "wrong_deployment": lv.WrongDeploymentError, "malformed": lv.MalformedError,
          "wrong_product": lv.WrongProductError, "deployment_error": lv.DeploymentError}


class DeploymentVectors(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.vf = load_deployment_vectors()
        cls.kr = lv.Keyring.parse(cls.vf["public_key_pem"])

    def verifier(self, deployment=None):
        o = self.vf["options"]
        return lv.Verifier(self.kr, product=o["product"], sku=o["sku"], issuer=o["issuer"],
                           now=lambda: self.vf["now_unix"], deployment=deployment)

    def outcome(self, code, deployment):
        """The reason of checking code with deployment (None: no deployment), twice (the second from the
        cache of authentic codes), or deployment_error when the verifier refuses the deployment."""
        try:
            v = self.verifier(deployment)
        except lv.DeploymentError as e:
            self.assertEqual(lv.reason(e), "deployment_error")
            return "deployment_error"
        got = []
        for _ in range(2):
            try:
                v.check(code)
                got.append("valid")
            except lv.VerificationError as e:
                self.assertIs(type(e), ERRORS[e.reason])
                got.append(e.reason)
        self.assertEqual(got[0], got[1])
        return got[0]

    def test_hashes(self):
        self.assertGreaterEqual(len(self.vf["hashes"]), 10)
        for h in self.vf["hashes"]:
            with self.subTest(name=h["name"], value=h["value"]):
                salt = base64.urlsafe_b64decode(h["salt"] + "==")
                self.assertEqual(lv.normalize_component(h["name"], h["value"]), h["normalized"])
                self.assertEqual(lv.deployment_hash(salt, h["name"], h["value"]), h["hash"])

    def test_codes(self):
        self.assertGreater(len(self.vf["codes"]), 20)
        for c in self.vf["codes"]:
            with self.subTest(c["name"]):
                self.assertEqual(self.outcome(c["code"], c.get("deployment")), c["want"]["reason"])

    def test_machine_changes(self):
        machines = {m["name"]: m for m in self.vf["machines"]}
        self.assertGreaterEqual(len(self.vf["changes"]), 10)
        for s in self.vf["changes"]:
            with self.subTest(s["name"]):
                m = machines[s["machine"]]
                self.assertEqual(self.outcome(m["code"], s["deployment"]), s["want"]["reason"])
                c = self.verifier().verify(m["code"]).deployment
                self.assertEqual(c.match, m["match"])
                self.assertEqual(c.matches(s["deployment"]), (s["matched"], s["needed"], s["want"]["valid"]))

    def test_claims_carry_the_binding(self):
        m = self.vf["machines"][0]
        c = self.verifier(m["bound"]).verify(m["code"])
        self.assertEqual(c.to_dict()["dep"]["k"], m["match"])
        self.assertEqual(sorted(c.to_dict()["dep"]["c"]), sorted(m["bound"]["components"]))


class DepDecoding(unittest.TestCase):
    """The "dep" member decoded as Go's encoding/json decodes it into *DeploymentClaim."""

    @classmethod
    def setUpClass(cls):
        cls.vf = load_deployment_vectors()
        cls.sign = staticmethod(signer(cls.vf))
        cls.kr = lv.Keyring.parse(cls.vf["public_key_pem"])
        cls.dep = cls.vf["machines"][0]

    def reason(self, payload: bytes, deployment):
        v = lv.Verifier(self.kr, any_product=True, now=lambda: 1772323200, deployment=deployment)
        try:
            v.check(self.sign(payload))
            return "valid"
        except lv.VerificationError as e:
            return e.reason

    def test_member_names_fold_and_merge(self):
        m = self.vf["machines"][0]
        real = lv.Verifier(self.kr, any_product=True, now=lambda: 1772323200).verify(m["code"]).deployment.to_dict()
        base = json.dumps(claims(), separators=(",", ":"))[:-1]
        other = {"id": "x", "components": {"machine_id": "nope"}}
        full = json.dumps(real, separators=(",", ":"))
        first = json.dumps({"S": real["s"], "iD": real["id"]})
        second = json.dumps({"C": real["c"], "\u212a": real["k"]})
        cases = [
            (base + ',"DEP":' + full + '}', m["bound"], "valid"),
            (base + ',"DEP":' + full + '}', other, "wrong_deployment"),
            (base + ',"dep":' + first + ',"dep":' + second + '}', other, "wrong_deployment"),  # merged
            (base + ',"dep":' + first + ',"dep":' + second + '}', m["bound"], "valid"),
            (base + ',"dep":' + full + ',"dep":null}', other, "valid"),  # null: absent
            (base + ',"dep":' + full + ',"dep":{"c":null}}', other, "malformed"),  # c cleared, k stays
            (base + ',"dep":' + full + ',"dep":{"s":null,"k":null}}', other, "wrong_deployment"),  # null keeps
            (base + ',"dep":[]}', None, "malformed"),
            (base + ',"dep":' + full.replace('"k":3', '"k":"3"') + '}', None, "malformed"),
        ]
        for payload, dep, want in cases:
            with self.subTest(payload=payload[-80:]):
                self.assertEqual(self.reason(payload.encode(), dep), want)


class DeploymentValues(unittest.TestCase):
    def test_bounds(self):
        for bad in ["", " ", "a\x00b", {"id": "x", "components": {"MAC": "1"}}, {"id": "x", "components": {"mac": "::"}},
                    {"id": "x", "components": {"mac": []}}, {"id": "x" * 1025},
                    {"id": "x", "components": {"c%d" % i: "v" for i in range(17)}},
                    {"id": "x", "components": {"disk": ["s%d" % i for i in range(17)]}},
                    {"id": "x", "components": {"disk": "s" * 257}}, {"id": "x", "components": {"disk": 7}}]:
            with self.subTest(bad=str(bad)[:60]):
                with self.assertRaises(lv.DeploymentError):
                    lv.Verifier(lv.Keyring.parse(load_deployment_vectors()["public_key_pem"]), any_product=True,
                                deployment=bad)
        d = lv.Deployment.of({"id": " x\n", "components": {"hostname": "web-1\n", "mac": ["A", "B"]}})
        self.assertEqual(d.to_dict(), {"id": " x\n", "components": {"hostname": ["web-1\n"], "mac": ["A", "B"]}})


class ClientSendsDeployment(unittest.TestCase):
    def test_object_form(self):
        bodies = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                out = b'{"code":"c","license_id":"i","generation":1,"status":"active","expires_at":null}'
                self.send_response(200)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args):
                pass

        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        self.addCleanup(srv.server_close)
        self.addCleanup(srv.shutdown)
        c = lv.Client("http://127.0.0.1:%d" % srv.server_address[1])
        c.activate("KG-1", {"id": "vm-1", "components": {"mac": "52:54:00:00:00:01"}})
        c.refresh("old", lv.Deployment.of("vm-2"))
        c.refresh("old")
        with self.assertRaises(lv.DeploymentError):
            c.activate("KG-1", {"id": ""})
        self.assertEqual(bodies, [
            {"code": "KG-1", "deployment": {"id": "vm-1", "components": {"mac": ["52:54:00:00:00:01"]}}},
            {"code": "old", "deployment": {"id": "vm-2"}},
            {"code": "old"},
        ])


if __name__ == "__main__":
    unittest.main()
