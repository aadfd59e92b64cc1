package koogallery

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
)

// ivLen is the length of the printable IV that prefixes an encrypted field.
const ivLen = aes.BlockSize

// DeriveAESKey derives the AES key KooGallery's sibling SaaS V1 interface uses for encrypted fields (spec §1.3.3)
// from the seller's access key. bits is 256 (encryptType 1) or 128 (encryptType 2).
//
// The Java samples seed SecureRandom.getInstance("SHA1PRNG") with accessKey.getBytes() and let
// KeyGenerator("AES").init(bits, random) draw the key. This function reimplements the OpenJDK SHA1PRNG exactly:
// state = SHA1(seed); each block is out = SHA1(state), after which state = state + out + 1 as a 160-bit
// little-endian-by-index add over Java signed bytes (incrementing state[0] if no byte changed). The key is the
// first bits/8 bytes of the stream, so the 128-bit key is a prefix of the 256-bit one. accessKey is taken as
// UTF-8, the default charset of Java 18 and later; keys are ASCII in practice.
//
// It returns ErrMissing if accessKey is empty, and a non-sentinel error if bits is neither 128 nor 256.
func DeriveAESKey(accessKey string, bits int) ([]byte, error) {
	if accessKey == "" {
		return nil, fmt.Errorf("aes key derivation: access key: %w", ErrMissing)
	}
	if bits != 128 && bits != 256 {
		return nil, fmt.Errorf("aes key derivation: %d bits, want 128 or 256", bits)
	}
	n := bits / 8
	state := sha1.Sum([]byte(accessKey))
	key := make([]byte, 0, n+sha1.Size)
	for len(key) < n {
		out := sha1.Sum(state[:])
		key = append(key, out[:]...)
		sha1PRNGUpdate(&state, &out)
	}
	return key[:n], nil
}

// sha1PRNGUpdate is OpenJDK's sun.security.provider.SecureRandom.updateState.
func sha1PRNGUpdate(state, out *[sha1.Size]byte) {
	carry := 1
	changed := false
	for i := range state {
		v := int(int8(state[i])) + int(int8(out[i])) + carry
		b := byte(v)
		changed = changed || state[i] != b
		state[i] = b
		carry = v >> 8 // arithmetic shift, as Java's >> on int
	}
	if !changed {
		state[0]++
	}
}

// EncryptField encrypts plaintext as KooGallery's encrypted fields are written: iv followed by
// Base64(AES-CBC(key, iv, PKCS#5-padded plaintext)), standard alphabet with padding. key comes from DeriveAESKey
// (16 or 32 bytes). iv must be 16 printable ASCII characters (U+0021–U+007E; the samples use random letters and
// digits) and must be fresh for every field: draw it from crypto/rand.
//
// It returns a non-sentinel error if key is not 16 or 32 bytes long or iv is not 16 printable characters.
func EncryptField(key []byte, iv string, plaintext string) (string, error) {
	block, err := newFieldCipher(key)
	if err != nil {
		return "", err
	}
	if !validIV(iv) {
		return "", errors.New("encrypt field: iv must be 16 printable ASCII characters")
	}
	pad := aes.BlockSize - len(plaintext)%aes.BlockSize
	buf := make([]byte, len(plaintext), len(plaintext)+pad)
	copy(buf, plaintext)
	buf = append(buf, bytes.Repeat([]byte{byte(pad)}, pad)...)
	cipher.NewCBCEncrypter(block, []byte(iv)).CryptBlocks(buf, buf)
	return iv + base64.StdEncoding.EncodeToString(buf), nil
}

// DecryptField reverses EncryptField: the first 16 characters of field are the IV and the rest is the Base64
// ciphertext.
//
// It returns ErrAuth if field is too short, its IV is not 16 printable ASCII characters, the rest is not strict
// standard Base64 of a whole number of AES blocks, or the PKCS#5 padding is invalid. A wrong key almost always
// shows up as invalid padding, but there is no MAC: about one wrong key in 256 decrypts to garbage without error,
// so rely on the request signature for integrity. It returns a non-sentinel error if key is not 16 or 32 bytes.
func DecryptField(key []byte, field string) (string, error) {
	block, err := newFieldCipher(key)
	if err != nil {
		return "", err
	}
	if len(field) < ivLen || !validIV(field[:ivLen]) {
		return "", fmt.Errorf("decrypt field: bad iv: %w", ErrAuth)
	}
	buf, err := base64.StdEncoding.Strict().DecodeString(field[ivLen:])
	if err != nil || len(buf) == 0 || len(buf)%aes.BlockSize != 0 {
		return "", fmt.Errorf("decrypt field: bad ciphertext: %w", ErrAuth)
	}
	cipher.NewCBCDecrypter(block, []byte(field[:ivLen])).CryptBlocks(buf, buf)
	pad := int(buf[len(buf)-1])
	if pad == 0 || pad > aes.BlockSize {
		return "", fmt.Errorf("decrypt field: bad padding: %w", ErrAuth)
	}
	for _, b := range buf[len(buf)-pad:] {
		if int(b) != pad {
			return "", fmt.Errorf("decrypt field: bad padding: %w", ErrAuth)
		}
	}
	return string(buf[:len(buf)-pad]), nil
}

func newFieldCipher(key []byte) (cipher.Block, error) {
	if len(key) != 16 && len(key) != 32 {
		return nil, fmt.Errorf("field cipher: key is %d bytes, want 16 or 32", len(key))
	}
	return aes.NewCipher(key)
}

func validIV(iv string) bool {
	if len(iv) != ivLen {
		return false
	}
	for i := 0; i < len(iv); i++ {
		if iv[i] < 0x21 || iv[i] > 0x7E {
			return false
		}
	}
	return true
}
