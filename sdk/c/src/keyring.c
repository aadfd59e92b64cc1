/* Trusted keys: PEM "PUBLIC KEY" blocks or a JWKS (verifier/doc.go, "Keys"). */
#include "internal.h"
#include "json.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	char id[17];
	unsigned char pub[crypto_sign_PUBLICKEYBYTES];
} ring_key;

struct lv_keyring {
	ring_key *keys;
	size_t n, cap;
};

/* The DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32-byte key follows. */
static const unsigned char SPKI_PREFIX[12] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

/* add appends pub under its key id unless present; it returns 0 when out of memory. */
static int add(lv_keyring *kr, const unsigned char *pub, char id[17]) {
	unsigned char der[sizeof SPKI_PREFIX + crypto_sign_PUBLICKEYBYTES], sum[crypto_hash_sha256_BYTES];
	memcpy(der, SPKI_PREFIX, sizeof SPKI_PREFIX);
	memcpy(der + sizeof SPKI_PREFIX, pub, crypto_sign_PUBLICKEYBYTES);
	crypto_hash_sha256(sum, der, sizeof der);
	sodium_bin2hex(id, 17, sum, 8);
	if (lv_keyring_key(kr, id, 16)) return 1;
	if (kr->n == kr->cap) {
		size_t cap = kr->cap ? kr->cap * 2 : 4;
		ring_key *nk = realloc(kr->keys, cap * sizeof *nk);
		if (!nk) return 0;
		kr->keys = nk, kr->cap = cap;
	}
	memcpy(kr->keys[kr->n].id, id, 17);
	memcpy(kr->keys[kr->n].pub, pub, crypto_sign_PUBLICKEYBYTES);
	kr->n++;
	return 1;
}

static int eq(const char *s, size_t n, const char *want) {
	return n == strlen(want) && !memcmp(s, want, n);
}

static lv_err parse_jwks(lv_keyring *kr, const char *data, size_t len) {
	lvj_arena *arena;
	lvj *doc;
	const lvj *list;
	int rc = lvj_parse(data, len, &arena, &doc);
	if (rc == LVJ_NOMEM) return LV_ERR_NO_MEMORY;
	if (rc != LVJ_OK) return LV_KEYRING_ERROR;
	lv_err err = LV_OK;
	if (doc->type != LVJ_OBJ || !lvj_field_type(doc, "keys", LVJ_ARR, &list)) err = LV_KEYRING_ERROR;
	for (const lvj *k = list && err == LV_OK ? list->child : NULL; k; k = k->next) {
		const char *kty, *crv, *x, *kid, *alg, *use, *d;
		size_t kty_n, crv_n, x_n, kid_n, alg_n, use_n, d_n, got;
		const lvj *dv;
		unsigned char pub[crypto_sign_PUBLICKEYBYTES * 2];
		char id[17];
		if (k->type == LVJ_NULL) continue;
		if (k->type != LVJ_OBJ || !lvj_field_str(k, "kty", &kty, &kty_n) || !lvj_field_str(k, "crv", &crv, &crv_n) ||
		    !lvj_field_str(k, "x", &x, &x_n) || !lvj_field_str(k, "kid", &kid, &kid_n) ||
		    !lvj_field_str(k, "alg", &alg, &alg_n) || !lvj_field_str(k, "use", &use, &use_n) ||
		    !lvj_field_str(k, "d", &d, &d_n) || !lvj_field_type(k, "d", LVJ_STR, &dv) || dv) {
			err = LV_KEYRING_ERROR; /* a type error, or private key material */
			break;
		}
		if (!eq(kty, kty_n, "OKP") || !eq(crv, crv_n, "Ed25519") ||
		    (alg_n && !eq(alg, alg_n, "EdDSA") && !eq(alg, alg_n, "Ed25519")) || (use_n && !eq(use, use_n, "sig")))
			continue;
		if (x_n > 2 * crypto_sign_PUBLICKEYBYTES || !lv_b64url(x, x_n, pub, &got) || got != crypto_sign_PUBLICKEYBYTES) {
			err = LV_KEYRING_ERROR;
			break;
		}
		if (!add(kr, pub, id)) {
			err = LV_ERR_NO_MEMORY;
			break;
		}
		if (kid_n && !eq(kid, kid_n, id)) {
			err = LV_KEYRING_ERROR;
			break;
		}
	}
	lvj_free(arena);
	return err;
}

/* b64std decodes standard base64 with padding, skipping white space; 0 when it is not base64. */
static int b64std(const char *in, size_t len, unsigned char *out, size_t max, size_t *n) {
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned acc = 0;
	int bits = 0, pad = 0;
	size_t chars = 0;
	*n = 0;
	for (size_t k = 0; k < len; k++) {
		char c = in[k];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
		chars++;
		if (c == '=') {
			pad++;
			continue;
		}
		const char *p = c ? strchr(alphabet, c) : NULL;
		if (!p || pad) return 0;
		acc = (acc << 6) | (unsigned)(p - alphabet);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (*n >= max) return 0;
			out[(*n)++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return chars % 4 == 0 && pad <= 2;
}

static const char *find(const char *s, const char *end, const char *what) {
	size_t n = strlen(what);
	for (; (size_t)(end - s) >= n; s++)
		if (!memcmp(s, what, n)) return s;
	return NULL;
}

static lv_err parse_pem(lv_keyring *kr, const char *s, size_t len) {
	const char *end = s + len, *p = s;
	while ((p = find(p, end, "-----BEGIN "))) {
		const char *type = p + 11, *type_end = find(type, end, "-----"), *eol;
		char close[128];
		if (!type_end || (size_t)(type_end - type) > 64 || memchr(type, '\n', (size_t)(type_end - type))) return LV_KEYRING_ERROR;
		size_t tn = (size_t)(type_end - type);
		snprintf(close, sizeof close, "-----END %.*s-----", (int)tn, type);
		const char *body = type_end + 5, *body_end = find(body, end, close);
		if (!body_end) return LV_KEYRING_ERROR;
		p = body_end + strlen(close);
		if (find(type, type_end, "PRIVATE")) return LV_KEYRING_ERROR; /* ship only public keys */
		if (!eq(type, tn, "PUBLIC KEY")) continue;
		unsigned char der[64];
		size_t n = 0, got;
		/* Skip RFC 1421 header lines ("Name: value") before the base64 body. */
		while ((eol = memchr(body, '\n', (size_t)(body_end - body))) && memchr(body, ':', (size_t)(eol - body))) body = eol + 1;
		if (!b64std(body, (size_t)(body_end - body), der, sizeof der, &got)) return LV_KEYRING_ERROR;
		n = got;
		if (n != sizeof SPKI_PREFIX + crypto_sign_PUBLICKEYBYTES || memcmp(der, SPKI_PREFIX, sizeof SPKI_PREFIX))
			return LV_KEYRING_ERROR; /* not an Ed25519 key */
		char id[17];
		if (!add(kr, der + sizeof SPKI_PREFIX, id)) return LV_ERR_NO_MEMORY;
	}
	return LV_OK;
}

lv_err lv_keyring_parse(const char *data, size_t len, lv_keyring **out) {
	if (!out || (!data && len)) return LV_ERR_INVALID_ARGUMENT;
	*out = NULL;
	if (len > LV_MAX_KEYRING) return LV_KEYRING_ERROR;
	lv_keyring *kr = calloc(1, sizeof *kr);
	if (!kr) return LV_ERR_NO_MEMORY;
	size_t i = 0;
	while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n' || data[i] == '\v' || data[i] == '\f')) i++;
	lv_err err = i < len && data[i] == '{' ? parse_jwks(kr, data, len) : parse_pem(kr, data, len);
	if (err == LV_OK && kr->n == 0) err = LV_KEYRING_ERROR;
	if (err != LV_OK) {
		lv_keyring_free(kr);
		return err;
	}
	*out = kr;
	return LV_OK;
}

size_t lv_keyring_count(const lv_keyring *kr) { return kr ? kr->n : 0; }

const char *lv_keyring_key_id(const lv_keyring *kr, size_t i) { return kr && i < kr->n ? kr->keys[i].id : NULL; }

const unsigned char *lv_keyring_key(const lv_keyring *kr, const char *kid, size_t kid_len) {
	for (size_t i = 0; kr && kid_len == 16 && i < kr->n; i++)
		if (!memcmp(kr->keys[i].id, kid, 16)) return kr->keys[i].pub;
	return NULL;
}

void lv_keyring_free(lv_keyring *kr) {
	if (!kr) return;
	free(kr->keys);
	free(kr);
}
