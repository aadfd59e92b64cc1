"""Revocation documents (a whole list, then deltas): every vector of
verifier/testdata/revocation_delta_vectors.json, the compaction rule, and Client.update_revocations
against a local HTTP server that answers as licentia does."""

import http.server
import json
import os
import threading
import unittest

import licentia_verify as lv
from _support import signer, vectors_path

ERRORS = {
    "ErrMalformed": lv.MalformedError, "ErrWrongType": lv.WrongTypeError, "ErrAlgorithm": lv.AlgorithmError,
    "ErrUnknownKey": lv.UnknownKeyError, "ErrSignature": lv.SignatureError, "ErrStaleList": lv.StaleListError,
}


def load_delta_vectors():
    """LICENTIA_REVOCATION_DELTA_VECTORS, or revocation_delta_vectors.json next to the golden vectors."""
    path = os.environ.get("LICENTIA_REVOCATION_DELTA_VECTORS") or os.path.join(
        os.path.dirname(vectors_path()), "revocation_delta_vectors.json")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def text(v):
    r = v.get("repeat")
    return v["document"] + (r["line"] + "\n") * r["times"] if r else v["document"]


class DeltaVectors(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.vf = load_delta_vectors()
        cls.kr = lv.Keyring.parse(cls.vf["public_key_pem"])

    def outcome(self, fn, want):
        if want["valid"]:
            got = fn()
            self.assertEqual(lv.reason(None), want["reason"])
            return got
        with self.assertRaises(lv.VerificationError) as cm:
            fn()
        self.assertEqual(cm.exception.reason, want["reason"])
        self.assertIs(type(cm.exception), ERRORS[want["error"]])
        return None

    def check_list(self, lst, want):
        self.assertEqual((lst.issued_at, lst.min_gen), (want["iat"], want.get("min_gen", {})))

    def test_constants(self):
        self.assertEqual(lv.MAX_REVOCATION_DELTAS, self.vf["max_deltas"])

    def test_documents(self):
        self.assertGreaterEqual(len(self.vf["documents"]), 29)
        for v in self.vf["documents"]:
            for form in ("str", "bytes"):
                with self.subTest(v["name"], form=form):
                    doc = text(v) if form == "str" else text(v).encode()
                    lst = self.outcome(lambda: lv.parse_revocations(self.kr, doc), v["want"])
                    if lst is not None:
                        self.check_list(lst, v["want"])

    def test_appends(self):
        self.assertGreaterEqual(len(self.vf["appends"]), 9)
        for a in self.vf["appends"]:
            with self.subTest(a["name"]):
                got = self.outcome(lambda: lv.append_revocations(self.kr, a["document"], a["body"]), a["want"])
                if got is None:
                    continue
                doc, lst = got
                self.assertEqual(doc, a["want_document"].encode())
                self.check_list(lst, a["want"])
                self.check_list(lv.parse_revocations(self.kr, doc), a["want"])

    def test_an_error_names_the_delta(self):
        v = next(v for v in self.vf["documents"] if v["name"] == "delta_bad_signature")
        with self.assertRaises(lv.SignatureError) as cm:
            lv.parse_revocations(self.kr, v["document"])
        self.assertIn("delta 2", str(cm.exception))

    def test_compact_due(self):
        # The rule reads lines without verifying them: a first line of 1000 bytes and shorter deltas.
        first = "L" * 1000 + "\n"
        self.assertTrue(lv.revocations_compact_due(None))
        self.assertTrue(lv.revocations_compact_due(" \n\r\n"))
        self.assertFalse(lv.revocations_compact_due(first))
        self.assertFalse(lv.revocations_compact_due(first + "d" * 500 + "\n \t" + "d" * 500 + "\r\n"))
        self.assertTrue(lv.revocations_compact_due(first + "d" * 500 + "\n" + "d" * 501 + "\n"))
        # MAX_REVOCATION_DELTAS deltas: due, however short; one fewer is not.
        short = "L" * 5000 + "\n" + "x\n" * (lv.MAX_REVOCATION_DELTAS - 1)
        self.assertFalse(lv.revocations_compact_due(short))
        self.assertTrue(lv.revocations_compact_due(short + "x\n"))
        docs = {v["name"]: text(v) for v in self.vf["documents"]}
        self.assertFalse(lv.revocations_compact_due(docs["list_alone"]))
        self.assertTrue(lv.revocations_compact_due(docs["max_deltas"]))

    def test_bounds(self):
        lst = text(self.vf["documents"][0]).strip()
        with self.assertRaises(lv.MalformedError):
            lv.parse_revocations(self.kr, lst + " " * lv.MAX_REVOCATION_DOCUMENT_SIZE)
        with self.assertRaises(lv.MalformedError):
            lv.append_revocations(self.kr, None, lst + " " * lv.MAX_REVOCATION_LIST_SIZE)
        with self.assertRaises(lv.MalformedError):  # an answer is one line
            lv.append_revocations(self.kr, None, lst + "\n" + lst)
        with self.assertRaises(lv.MalformedError):
            lv.append_revocations(self.kr, None, "")


class _Server:
    """A local HTTP server answering GET /v1/revocations[?since=] from a table, recording each path."""

    def __init__(self, answers):
        self.answers, self.paths = answers, []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.paths.append(self.path)
                body = outer.answers(self.path).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)


class UpdateRevocations(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.vf = load_delta_vectors()
        cls.kr = lv.Keyring.parse(cls.vf["public_key_pem"])
        docs = {v["name"]: v for v in cls.vf["documents"]}
        cls.L, cls.d1, cls.d2 = docs["valid_chain"]["document"].split("\n")[:3]
        apps = {a["name"]: a for a in cls.vf["appends"]}
        cls.newer = apps["list_replaces"]["body"]
        cls.older = apps["older_list"]["body"]
        cls.iat = docs["list_alone"]["want"]["iat"]

    def serve(self, answers):
        s = _Server(answers)
        self.addCleanup(s.close)
        return s

    def test_no_document_fetches_the_whole_list(self):
        s = self.serve(lambda path: self.L)
        lst, doc = lv.Client(s.url).update_revocations(self.kr)
        self.assertEqual((s.paths, doc, lst.issued_at), (["/v1/revocations"], (self.L + "\n").encode(), self.iat))

    def test_a_delta_is_appended(self):
        s = self.serve(lambda path: self.d1 if "since" in path else self.newer)
        lst, doc = lv.Client(s.url).update_revocations(self.kr, (self.L + "\n").encode())
        self.assertEqual(s.paths, ["/v1/revocations?since=%d" % self.iat])
        self.assertEqual(doc, (self.L + "\n" + self.d1 + "\n").encode())
        self.assertEqual((lst.issued_at, lst.min_gen.get("inst-0005")), (self.iat + 60, 2))
        # The next call asks since the delta's iat.
        s.answers = lambda path: self.d2
        lst, doc = lv.Client(s.url).update_revocations(self.kr, doc)
        self.assertEqual(s.paths[1], "/v1/revocations?since=%d" % (self.iat + 60))
        self.assertEqual(lst.min_gen, next(v for v in self.vf["documents"] if v["name"] == "valid_chain")["want"]["min_gen"])

    def test_a_gap_fetches_the_whole_list(self):
        s = self.serve(lambda path: self.d2 if "since" in path else self.newer)
        lst, doc = lv.Client(s.url).update_revocations(self.kr, self.L)
        self.assertEqual(s.paths, ["/v1/revocations?since=%d" % self.iat, "/v1/revocations"])
        self.assertEqual((doc, lst.min_gen), ((self.newer + "\n").encode(), {"inst-0009": 2}))

    def test_a_whole_list_answered_to_since_replaces(self):
        s = self.serve(lambda path: self.newer)
        lst, doc = lv.Client(s.url).update_revocations(self.kr, self.L + "\n" + self.d1 + "\n")
        self.assertEqual((s.paths, doc), (["/v1/revocations?since=%d" % (self.iat + 60)], (self.newer + "\n").encode()))

    def test_an_unreadable_document_fetches_the_whole_list(self):
        s = self.serve(lambda path: self.L)
        lst, doc = lv.Client(s.url).update_revocations(self.kr, "not a document\n")
        self.assertEqual((s.paths, doc), (["/v1/revocations"], (self.L + "\n").encode()))

    def test_compaction_fetches_the_whole_list(self):
        # A delta longer than the document's whole list appends, but the document is then due.
        big = signer(self.vf)({"iat": self.iat + 60, "since": self.iat, "removed": [],
                               "min_gen": {"inst-%04d" % i: 2 for i in range(100)}},
                              typ="licentia-revocations-delta+jwt")
        self.assertTrue(lv.revocations_compact_due(lv.append_revocations(self.kr, self.L, big)[0]))
        s = self.serve(lambda path: big if "since" in path else self.newer)
        lst, doc = lv.Client(s.url).update_revocations(self.kr, self.L)
        self.assertEqual(s.paths, ["/v1/revocations?since=%d" % self.iat, "/v1/revocations"])
        self.assertEqual(doc, (self.newer + "\n").encode())

    def test_an_older_answer_is_a_stale_list(self):
        s = self.serve(lambda path: self.older)
        with self.assertRaises(lv.StaleListError):
            lv.Client(s.url).update_revocations(self.kr, self.L + "\n")
        self.assertEqual(s.paths, ["/v1/revocations?since=%d" % self.iat])

    def test_an_unreachable_server(self):
        with self.assertRaises(lv.OnlineError):
            lv.Client("http://127.0.0.1:9").update_revocations(self.kr, self.L)


if __name__ == "__main__":
    unittest.main()
