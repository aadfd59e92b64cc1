package verifier_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"strings"
	"testing"

	"github.com/licentia/licentia/keys"
	"github.com/licentia/licentia/verifier"
)

// revocationDeltaVectorsFile holds the golden vectors of revocation documents (a whole list and its
// deltas), apart from vectors.json. Regenerated with the others by `go test ./verifier -run TestVectors -update`.
const revocationDeltaVectorsFile = "testdata/revocation_delta_vectors.json"

// revDeltaVectorFile is the layout of testdata/revocation_delta_vectors.json: the key of vectors.json;
// documents, each parsed as a whole (ParseRevocations) with its expected list or error; and appends, each
// an answer of GET /v1/revocations added to a document (AppendRevocations) with the expected document,
// list or error.
type revDeltaVectorFile struct {
	Comment      string          `json:"comment"`
	Seed         string          `json:"seed"`
	KeyID        string          `json:"key_id"`
	PublicKeyPEM string          `json:"public_key_pem"`
	MaxDeltas    int             `json:"max_deltas"`
	Documents    []revDocVector  `json:"documents"`
	Appends      []revAppendCase `json:"appends"`
}

// revRepeat is a line appended Times times after a document, each followed by a line feed: how the
// vectors near MaxRevocationDeltas are written without spelling out thousands of lines.
type revRepeat struct {
	Line  string `json:"line"`
	Times int    `json:"times"`
}

type revDocVector struct {
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Document    string     `json:"document"`
	Repeat      *revRepeat `json:"repeat,omitempty"`
	Want        revWant    `json:"want"`
}

type revAppendCase struct {
	Name        string  `json:"name"`
	Description string  `json:"description"`
	Document    string  `json:"document"`
	Body        string  `json:"body"`
	Want        revWant `json:"want"`
	// WantDocument is the document after the append, when it succeeds.
	WantDocument string `json:"want_document,omitempty"`
}

// revWant is the expected outcome: the list a valid document amounts to, or the error.
type revWant struct {
	Valid  bool             `json:"valid"`
	Error  string           `json:"error,omitempty"` // name of the most specific sentinel
	Reason string           `json:"reason"`          // verifier.Reason
	IAT    int64            `json:"iat,omitempty"`
	MinGen map[string]int64 `json:"min_gen,omitempty"`
}

// text returns the whole document: Document, then Repeat.
func (v revDocVector) text() string {
	if v.Repeat == nil {
		return v.Document
	}
	return v.Document + strings.Repeat(v.Repeat.Line+"\n", v.Repeat.Times)
}

func generateRevocationDeltaVectors(tb testing.TB) *revDeltaVectorFile {
	tb.Helper()
	key, other := seedKey(1), seedKey(2)
	kid := keys.KeyID(pubOf(key))
	pemBytes, err := keys.EncodePublicPEM(pubOf(key))
	if err != nil {
		tb.Fatal(err)
	}
	b := testIssue.Unix() + 30*24*3600 // the whole list's iat
	list := func(iat int64, m map[string]int64, k ed25519.PrivateKey) string {
		s, err := verifier.SignRevocations(&verifier.RevocationList{IssuedAt: iat, MinGen: m}, keys.KeyID(pubOf(k)), k)
		if err != nil {
			tb.Fatal(err)
		}
		return s
	}
	delta := func(since, iat int64, m map[string]int64, removed []string, k ed25519.PrivateKey) string {
		s, err := verifier.SignRevocationDelta(&verifier.RevocationDelta{IssuedAt: iat, Since: since, MinGen: m, Removed: removed},
			keys.KeyID(pubOf(k)), k)
		if err != nil {
			tb.Fatal(err)
		}
		return s
	}
	deltaHdr := `{"alg":"EdDSA","kid":"` + kid + `","typ":"` + verifier.TypeRevocationsDelta + `"}`
	base := map[string]int64{"inst-0002": 2, "inst-0003": 1 << 40, "inst-0004": 3}
	L := list(b, base, key)
	d1 := delta(b, b+60, map[string]int64{"inst-0005": 2}, nil, key)
	d2 := delta(b+60, b+120, map[string]int64{"inst-0002": 4}, []string{"inst-0004"}, key)
	empty := delta(b, b, nil, nil, key)
	with := func(m map[string]int64, set map[string]int64, del ...string) map[string]int64 {
		out := maps.Clone(m)
		maps.Copy(out, set)
		for _, id := range del {
			delete(out, id)
		}
		return out
	}
	valid := func(iat int64, m map[string]int64) revWant {
		return revWant{Valid: true, Reason: "valid", IAT: iat, MinGen: m}
	}
	bad := func(reason string) revWant {
		w := wants[reason]
		if reason == "stale_list" {
			w = vectorWant{Error: "ErrStaleList", Reason: "stale_list"}
		}
		return revWant{Error: w.Error, Reason: w.Reason}
	}
	chain := with(base, map[string]int64{"inst-0005": 2, "inst-0002": 4}, "inst-0004")
	docs := []revDocVector{
		{Name: "list_alone", Description: "a whole list and nothing else: the list itself", Document: L + "\n", Want: valid(b, base)},
		{Name: "valid_chain", Description: "a whole list and two deltas: the first adds inst-0005, the second raises inst-0002 and removes inst-0004",
			Document: L + "\n" + d1 + "\n" + d2 + "\n", Want: valid(b+120, chain)},
		{Name: "valid_white_space", Description: "the valid chain with CRLF line ends, blank lines and white space around each line, no final line feed",
			Document: "\r\n  " + L + " \r\n\r\n\t" + d1 + "\r\n" + d2, Want: valid(b+120, chain)},
		{Name: "overlapping_since", Description: "a delta whose since is 300 seconds before the list's iat (the server's overlap): no gap",
			Document: L + "\n" + delta(b-300, b+60, map[string]int64{"inst-0002": 2}, nil, key) + "\n", Want: valid(b+60, base)},
		{Name: "same_iat", Description: "an empty delta with since and iat equal to the list's iat",
			Document: L + "\n" + empty + "\n", Want: valid(b, base)},
		{Name: "lowered_entry", Description: "a delta that sets inst-0003 lower than the list held: the value is set, not raised",
			Document: L + "\n" + delta(b, b+60, map[string]int64{"inst-0003": 2}, nil, key) + "\n", Want: valid(b+60, with(base, map[string]int64{"inst-0003": 2}))},
		{Name: "removed_entry", Description: "a delta that removes inst-0002 and an id the list does not hold (no effect)",
			Document: L + "\n" + delta(b, b+60, nil, []string{"inst-0002", "inst-9999"}, key) + "\n", Want: valid(b+60, with(base, nil, "inst-0002"))},
		{Name: "removed_then_added", Description: "a delta removes inst-0004, the next one lists it again",
			Document: L + "\n" + delta(b, b+60, nil, []string{"inst-0004"}, key) + "\n" + delta(b+60, b+120, map[string]int64{"inst-0004": 5}, nil, key) + "\n",
			Want:     valid(b+120, with(base, map[string]int64{"inst-0004": 5}))},
		{Name: "max_deltas", Description: "the most deltas a document may hold: the empty delta repeated",
			Document: L + "\n", Repeat: &revRepeat{Line: empty, Times: verifier.MaxRevocationDeltas}, Want: valid(b, base)},
		{Name: "too_many_deltas", Description: "one delta more than the most a document may hold",
			Document: L + "\n", Repeat: &revRepeat{Line: empty, Times: verifier.MaxRevocationDeltas + 1}, Want: bad("malformed")},
		{Name: "gap", Description: "a delta whose since is one second after the list's iat: changes may be missing",
			Document: L + "\n" + delta(b+1, b+60, nil, nil, key) + "\n", Want: bad("malformed")},
		{Name: "gap_in_chain", Description: "the second delta starts after the first one's iat",
			Document: L + "\n" + d1 + "\n" + delta(b+61, b+120, nil, nil, key) + "\n", Want: bad("malformed")},
		{Name: "older_delta", Description: "a delta whose iat is before the list's",
			Document: L + "\n" + delta(b-120, b-60, nil, nil, key) + "\n", Want: bad("malformed")},
		{Name: "deltas_out_of_order", Description: "the valid chain's deltas in the wrong order",
			Document: L + "\n" + d2 + "\n" + d1 + "\n", Want: bad("malformed")},
		{Name: "delta_alone", Description: "a delta without the whole list it changes",
			Document: d1 + "\n", Want: bad("wrong_type")},
		{Name: "list_after_list", Description: "a second whole list where a delta belongs",
			Document: L + "\n" + list(b+60, base, key) + "\n", Want: bad("wrong_type")},
		{Name: "code_as_delta", Description: "an authorization code where a delta belongs",
			Document: L + "\n" + sign(tb, baseClaims(), key) + "\n", Want: bad("wrong_type")},
		{Name: "delta_bad_signature", Description: "the valid chain with one signature bit of the second delta flipped",
			Document: L + "\n" + d1 + "\n" + flipSigBit(d2) + "\n", Want: bad("bad_signature")},
		{Name: "delta_unknown_key", Description: "a delta signed by another key",
			Document: L + "\n" + delta(b, b+60, nil, nil, other) + "\n", Want: bad("unknown_key")},
		{Name: "delta_alg_none", Description: "a delta with alg none",
			Document: L + "\n" + signRaw(`{"alg":"none","kid":"`+kid+`","typ":"`+verifier.TypeRevocationsDelta+`"}`,
				`{"iat":1,"since":1,"min_gen":{},"removed":[]}`, key) + "\n", Want: bad("wrong_algorithm")},
		{Name: "delta_without_removed", Description: "a delta without \"removed\"",
			Document: L + "\n" + signRaw(deltaHdr, mustJSON(map[string]any{"iat": b + 60, "since": b, "min_gen": map[string]int64{}}), key) + "\n",
			Want:     bad("malformed")},
		{Name: "delta_removed_null", Description: "a delta whose \"removed\" is null",
			Document: L + "\n" + signRaw(deltaHdr, mustJSON(map[string]any{"iat": b + 60, "since": b, "min_gen": map[string]int64{}, "removed": nil}), key) + "\n",
			Want:     bad("malformed")},
		{Name: "delta_without_min_gen", Description: "a delta without \"min_gen\"",
			Document: L + "\n" + signRaw(deltaHdr, mustJSON(map[string]any{"iat": b + 60, "since": b, "removed": []string{}}), key) + "\n",
			Want:     bad("malformed")},
		{Name: "delta_since_after_iat", Description: "a delta whose since is after its own iat",
			Document: L + "\n" + signRaw(deltaHdr, mustJSON(map[string]any{"iat": b, "since": b + 1, "min_gen": map[string]int64{}, "removed": []string{}}), key) + "\n",
			Want:     bad("malformed")},
		{Name: "delta_zero_generation", Description: "a delta that sets an entry to 0",
			Document: L + "\n" + signRaw(deltaHdr, mustJSON(map[string]any{"iat": b + 60, "since": b, "min_gen": map[string]int64{"inst-0002": 0}, "removed": []string{}}), key) + "\n",
			Want:     bad("malformed")},
		{Name: "delta_set_and_removed", Description: "a delta that both sets and removes inst-0002",
			Document: L + "\n" + signRaw(deltaHdr, mustJSON(map[string]any{"iat": b + 60, "since": b, "min_gen": map[string]int64{"inst-0002": 3}, "removed": []string{"inst-0002"}}), key) + "\n",
			Want:     bad("malformed")},
		{Name: "delta_empty_removed_id", Description: "a delta that removes the empty id",
			Document: L + "\n" + signRaw(deltaHdr, mustJSON(map[string]any{"iat": b + 60, "since": b, "min_gen": map[string]int64{}, "removed": []string{""}}), key) + "\n",
			Want:     bad("malformed")},
		{Name: "list_wrapped", Description: "a whole list broken over two lines: in a document each line is one JWS",
			Document: L[:60] + "\n" + L[60:] + "\n", Want: bad("malformed")},
		{Name: "empty", Description: "white space only", Document: " \n\r\n", Want: bad("malformed")},
	}
	olderList := list(b-60, base, key)
	appends := []revAppendCase{
		{Name: "list_onto_nothing", Description: "a whole list fetched with no document: the document is the list",
			Body: L, Want: valid(b, base), WantDocument: L + "\n"},
		{Name: "delta_onto_list", Description: "a delta fetched for a document holding a whole list: appended on a line of its own",
			Document: L + "\n", Body: d1 + "\n", Want: valid(b+60, with(base, map[string]int64{"inst-0005": 2})), WantDocument: L + "\n" + d1 + "\n"},
		{Name: "delta_onto_chain", Description: "the second delta appended to a document without a final line feed",
			Document: L + "\n" + d1, Body: d2, Want: valid(b+120, chain), WantDocument: L + "\n" + d1 + "\n" + d2 + "\n"},
		{Name: "list_replaces", Description: "a newer whole list replaces the document",
			Document: L + "\n" + d1 + "\n", Body: list(b+600, map[string]int64{"inst-0009": 2}, key),
			Want: valid(b+600, map[string]int64{"inst-0009": 2}), WantDocument: list(b+600, map[string]int64{"inst-0009": 2}, key) + "\n"},
		{Name: "older_list", Description: "a whole list older than the document's: keep the document",
			Document: L + "\n", Body: olderList, Want: bad("stale_list")},
		{Name: "older_delta", Description: "a delta older than the document's list (from a replica that lags): keep the document",
			Document: L + "\n" + d1 + "\n", Body: delta(b-60, b, nil, nil, key), Want: bad("stale_list")},
		{Name: "gap", Description: "a delta that starts after the document's list: fetch the whole list",
			Document: L + "\n", Body: d2, Want: bad("malformed")},
		{Name: "delta_onto_nothing", Description: "a delta with no document: fetch the whole list",
			Body: d1, Want: bad("malformed")},
		{Name: "delta_bad_signature", Description: "a delta with one signature bit flipped",
			Document: L + "\n", Body: flipSigBit(d1), Want: bad("bad_signature")},
	}
	return &revDeltaVectorFile{
		Comment: "licentia revocation document vectors (a whole list, then deltas). Regenerate only with: go test ./verifier -run TestVectors -update. " +
			"Parse each document (document, then repeat.line and a line feed repeat.times times) as a whole; " +
			"add each append's body to its document. A valid outcome gives iat and min_gen (absent: empty); an error gives its reason.",
		Seed:         hex.EncodeToString(bytes.Repeat([]byte{1}, ed25519.SeedSize)),
		KeyID:        kid,
		PublicKeyPEM: string(pemBytes),
		MaxDeltas:    verifier.MaxRevocationDeltas,
		Documents:    docs,
		Appends:      appends,
	}
}

// TestVectorsRevocationDelta checks every revocation document vector and that regenerating them gives
// the file in testdata byte for byte.
func TestVectorsRevocationDelta(t *testing.T) {
	data, err := json.MarshalIndent(generateRevocationDeltaVectors(t), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, '\n')
	if *update {
		if err := os.WriteFile(revocationDeltaVectorsFile, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(revocationDeltaVectorsFile)
	if err != nil {
		t.Fatalf("read %s: %v (regenerate with -update)", revocationDeltaVectorsFile, err)
	}
	if !bytes.Equal(got, data) {
		t.Errorf("%s differs from the regenerated vectors: the format changed (regenerate with -update only if intended)", revocationDeltaVectorsFile)
	}
	var vf revDeltaVectorFile
	if err := json.Unmarshal(got, &vf); err != nil {
		t.Fatal(err)
	}
	kr, err := verifier.ParseKeyring([]byte(vf.PublicKeyPEM))
	if err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, l *verifier.RevocationList, err error, want revWant) {
		t.Helper()
		if got := verifier.Reason(err); got != want.Reason {
			t.Fatalf("reason = %q (err %v), want %q", got, err, want.Reason)
		}
		if !want.Valid {
			wantErr := sentinels[want.Error]
			if want.Error == "ErrStaleList" {
				wantErr = verifier.ErrStaleList
			}
			if !errors.Is(err, wantErr) {
				t.Fatalf("err = %v, want %s", err, want.Error)
			}
			return
		}
		if l.IssuedAt != want.IAT || !maps.Equal(l.MinGen, want.MinGen) {
			t.Errorf("list = iat %d, min_gen %v; want iat %d, min_gen %v", l.IssuedAt, l.MinGen, want.IAT, want.MinGen)
		}
	}
	if vf.MaxDeltas != verifier.MaxRevocationDeltas {
		t.Errorf("max_deltas = %d, want %d", vf.MaxDeltas, verifier.MaxRevocationDeltas)
	}
	for _, v := range vf.Documents {
		t.Run(v.Name, func(t *testing.T) {
			l, err := verifier.ParseRevocations(kr, []byte(v.text()))
			check(t, l, err, v.Want)
		})
	}
	for _, a := range vf.Appends {
		t.Run("append/"+a.Name, func(t *testing.T) {
			doc, l, err := verifier.AppendRevocations(kr, []byte(a.Document), []byte(a.Body))
			check(t, l, err, a.Want)
			if a.Want.Valid {
				if string(doc) != a.WantDocument {
					t.Errorf("document = %q, want %q", doc, a.WantDocument)
				}
				again, err := verifier.ParseRevocations(kr, doc)
				check(t, again, err, a.Want)
			}
		})
	}
}
