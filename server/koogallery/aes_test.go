package koogallery

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"testing"
)

const (
	testAES256 = "c9e3a8e3a2c2e5497d975cbdea2fbd5aa15283155960dbd281c147b0e511caee"
	testAES128 = "c9e3a8e3a2c2e5497d975cbdea2fbd5a"
	testIV     = "abcdefgh12345678"
	testPhone  = "13800000000"
	testCT256  = "abcdefgh123456781c1vUT6o0abfI+j6vU/bBA=="
	testCT128  = "abcdefgh12345678v3bR+ryDhsNNSzxkvCEdag=="
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("hex.DecodeString(%q) err = %v, want nil", s, err)
	}
	return b
}

func TestAESSpecVectors(t *testing.T) {
	tests := []struct {
		bits    int
		wantKey string
		wantCT  string
	}{
		{256, testAES256, testCT256},
		{128, testAES128, testCT128},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.bits), func(t *testing.T) {
			key, err := DeriveAESKey(testKey, tt.bits)
			if err != nil {
				t.Fatalf("DeriveAESKey(%d) err = %v, want nil", tt.bits, err)
			}
			if got := hex.EncodeToString(key); got != tt.wantKey {
				t.Errorf("DeriveAESKey(%d) = %s, want %s", tt.bits, got, tt.wantKey)
			}
			ct, err := EncryptField(key, testIV, testPhone)
			if err != nil || ct != tt.wantCT {
				t.Errorf("EncryptField() = %q, %v, want %q, nil", ct, err, tt.wantCT)
			}
			pt, err := DecryptField(key, tt.wantCT)
			if err != nil || pt != testPhone {
				t.Errorf("DecryptField() = %q, %v, want %q, nil", pt, err, testPhone)
			}
		})
	}
}

func TestDeriveAESKeyErrors(t *testing.T) {
	if _, err := DeriveAESKey("", 256); !errors.Is(err, ErrMissing) {
		t.Errorf("DeriveAESKey(\"\") err = %v, want %v", err, ErrMissing)
	}
	for _, bits := range []int{0, 64, 192, 512, -128} {
		if key, err := DeriveAESKey(testKey, bits); err == nil {
			t.Errorf("DeriveAESKey(%d) = %x, nil, want an error", bits, key)
		}
	}
}

func TestSHA1PRNGUpdate(t *testing.T) {
	ff := func(n int) [20]byte {
		var b [20]byte
		for i := range n {
			b[i] = 0xFF
		}
		return b
	}
	tests := []struct {
		name             string
		state, out, want [20]byte
	}{
		// 0 + (-1) + 1 = 0 in byte 0 and nothing else changes, so state[0] is incremented.
		{"no change increments", [20]byte{}, [20]byte{0xFF}, [20]byte{1}},
		// Java signed bytes: the carry out of byte 1 is -1 (arithmetic shift), not +1.
		{"signed carry", [20]byte{}, ff(20), [20]byte{0x00, 0xFF, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE,
			0xFE, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE, 0xFE}},
		{"plain add", [20]byte{1, 2}, [20]byte{3, 4}, [20]byte{5, 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state, out := tt.state, tt.out
			sha1PRNGUpdate(&state, &out)
			if state != tt.want {
				t.Errorf("sha1PRNGUpdate() state = %x, want %x", state, tt.want)
			}
		})
	}
}

func TestEncryptFieldRoundTrip(t *testing.T) {
	key := mustHex(t, testAES256)
	for _, pt := range []string{"", "a", "0123456789abcdef", "0123456789abcdef0", "张三 user@example.com"} {
		ct, err := EncryptField(key, testIV, pt)
		if err != nil {
			t.Fatalf("EncryptField(%q) err = %v, want nil", pt, err)
		}
		if got, err := DecryptField(key, ct); err != nil || got != pt {
			t.Errorf("DecryptField(EncryptField(%q)) = %q, %v, want %q, nil", pt, got, err, pt)
		}
	}
}

func TestEncryptFieldErrors(t *testing.T) {
	key := mustHex(t, testAES256)
	tests := []struct {
		name string
		key  []byte
		iv   string
	}{
		{"short iv", key, "abc"},
		{"long iv", key, testIV + "x"},
		{"space in iv", key, "abcdefgh 2345678"},
		{"non-ASCII iv", key, "abcdefgh123456é"},
		{"nil key", nil, testIV},
		{"24-byte key", key[:24], testIV},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := EncryptField(tt.key, tt.iv, testPhone); err == nil {
				t.Errorf("EncryptField() = %q, nil, want an error", got)
			}
		})
	}
}

// encryptRaw encrypts already padded data under testIV, so tests can build bad padding.
func encryptRaw(t testing.TB, key, padded []byte) string {
	t.Helper()
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatalf("aes.NewCipher() err = %v, want nil", err)
	}
	out := make([]byte, len(padded))
	cipher.NewCBCEncrypter(block, []byte(testIV)).CryptBlocks(out, padded)
	return testIV + base64.StdEncoding.EncodeToString(out)
}

func TestDecryptFieldErrors(t *testing.T) {
	key256 := mustHex(t, testAES256)
	key128 := mustHex(t, testAES128)
	wrongKey, err := DeriveAESKey("other-key", 256)
	if err != nil {
		t.Fatalf("DeriveAESKey() err = %v, want nil", err)
	}
	tests := []struct {
		name    string
		key     []byte
		field   string
		wantErr error
	}{
		{"wrong key", wrongKey, testCT256, ErrAuth},
		{"wrong key size variant", key128, testCT256, ErrAuth},
		{"empty", key256, "", ErrAuth},
		{"iv only", key256, testIV, ErrAuth},
		{"short", key256, "abc", ErrAuth},
		{"bad base64", key256, testIV + "!!!!", ErrAuth},
		{"not block multiple", key256, testIV + "AAAA", ErrAuth},
		{"base64 without padding", key256, testCT256[:len(testCT256)-2], ErrAuth},
		{"non-ASCII iv", key256, "abcdefgh123456é" + testCT256[16:], ErrAuth},
		{"tampered iv changes padding block", key256, "abcdefgh12345679" + testCT256[16:], ErrAuth},
		{"zero padding", key256, encryptRaw(t, key256, make([]byte, 16)), ErrAuth},
		{"padding over block", key256, encryptRaw(t, key256, bytes.Repeat([]byte{17}, 16)), ErrAuth},
		{"inconsistent padding", key256, encryptRaw(t, key256, append(bytes.Repeat([]byte{'a'}, 13), 1, 3, 3)), ErrAuth},
		{"bad key length", key256[:20], testCT256, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecryptField(tt.key, tt.field)
			if err == nil {
				t.Fatalf("DecryptField() = %q, nil, want an error", got)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("DecryptField() err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func FuzzDecryptField(f *testing.F) {
	for _, s := range []string{testCT256, testCT128, "", testIV, testIV + "AAAA", "é" + testCT256} {
		f.Add(s, "plain")
	}
	key := mustHex(f, testAES256)
	f.Fuzz(func(t *testing.T, field, plaintext string) {
		_, _ = DecryptField(key, field)
		_, _ = DecryptField(key[:16], field)

		ct, err := EncryptField(key, testIV, plaintext)
		if err != nil {
			t.Fatalf("EncryptField() err = %v, want nil", err)
		}
		if got, err := DecryptField(key, ct); err != nil || got != plaintext {
			t.Errorf("DecryptField(EncryptField(%q)) = %q, %v, want %q, nil", plaintext, got, err, plaintext)
		}
	})
}
