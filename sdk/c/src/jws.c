/* The compact JWS form shared by codes and revocation lists (verifier/doc.go, "Code" and "Header"). */
#include "internal.h"
#include "json.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static int b64_value(unsigned char c) {
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '-') return 62;
	if (c == '_') return 63;
	return -1;
}

int lv_b64url(const char *in, size_t len, unsigned char *out, size_t *n) {
	unsigned acc = 0;
	int bits = 0;
	*n = 0;
	if (len % 4 == 1) return 0;
	for (size_t k = 0; k < len; k++) {
		int d = b64_value((unsigned char)in[k]);
		if (d < 0) return 0;
		acc = (acc << 6) | (unsigned)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[(*n)++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return acc == 0; /* the unused trailing bits must be zero */
}

static int is_space(char c) {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

char *lv_clean(const char *s, size_t len, size_t *n) {
	size_t i = 0, j = len, o = 0;
	while (i < j && is_space(s[i])) i++;
	while (j > i && is_space(s[j - 1])) j--;
	char *out = malloc(j - i + 1);
	if (!out) return NULL;
	for (size_t k = i; k < j; k++)
		if (s[k] != '\r' && s[k] != '\n') out[o++] = s[k];
	out[o] = 0;
	*n = o;
	return out;
}

static int eq(const char *s, size_t n, const char *want) {
	return n == strlen(want) && !memcmp(s, want, n);
}

/* header decodes and checks the header part: a JSON object, no "crit", string members, alg EdDSA or
 * Ed25519; it returns the typ and kid through the caller's buffers. */
static lv_err header(const char *h, size_t hlen, char **kid, size_t *kid_len, char *typ, size_t typ_cap, size_t *typ_len) {
	unsigned char buf[LV_MAX_HEADER];
	size_t n;
	lvj_arena *arena;
	lvj *doc;
	const char *alg, *k, *t;
	size_t alg_len, k_len, t_len;
	if (!lv_b64url(h, hlen, buf, &n)) return LV_MALFORMED;
	int rc = lvj_parse((const char *)buf, n, &arena, &doc);
	if (rc == LVJ_NOMEM) return LV_ERR_NO_MEMORY;
	if (rc != LVJ_OK) return LV_MALFORMED;
	lv_err err = LV_OK;
	if (doc->type != LVJ_OBJ || !lvj_field_str(doc, "alg", &alg, &alg_len) || !lvj_field_str(doc, "kid", &k, &k_len) ||
	    !lvj_field_str(doc, "typ", &t, &t_len)) {
		err = LV_MALFORMED;
		goto out;
	}
	if (!(*kid = malloc(k_len + 1))) {
		err = LV_ERR_NO_MEMORY;
		goto out;
	}
	memcpy(*kid, k, k_len + 1);
	*kid_len = k_len;
	*typ_len = t_len < typ_cap ? t_len : typ_cap;
	memcpy(typ, t, *typ_len);
	if (t_len > typ_cap) *typ_len = typ_cap + 1; /* longer than any accepted typ: never equal */
	if (lvj_has(doc, "crit")) err = LV_MALFORMED;
	else if (!eq(alg, alg_len, "EdDSA") && !eq(alg, alg_len, "Ed25519")) err = LV_WRONG_ALGORITHM;
out:
	lvj_free(arena);
	return err;
}

/* split checks the shape of raw: three non-empty parts (the signature part may be empty), a header part of
 * at most LV_MAX_HEADER characters; it sets the offsets of the two dots. */
static lv_err split(const char *raw, size_t len, size_t max_len, size_t *i, size_t *j) {
	if (len == 0 || len > max_len) return LV_MALFORMED;
	const char *d1 = memchr(raw, '.', len), *d2 = NULL;
	for (const char *p = raw + len; p > raw; p--)
		if (p[-1] == '.') {
			d2 = p - 1;
			break;
		}
	if (!d1 || d1 == d2 || memchr(d1 + 1, '.', (size_t)(d2 - d1 - 1))) return LV_MALFORMED;
	*i = (size_t)(d1 - raw), *j = (size_t)(d2 - raw);
	if (*i == 0 || *i > LV_MAX_HEADER || *j - *i - 1 == 0) return LV_MALFORMED;
	return LV_OK;
}

lv_err lv_jws_typ(const char *raw, size_t len, size_t max_len, char *typ, size_t typ_cap, size_t *typ_len) {
	size_t i, j, kid_len;
	char *kid = NULL;
	lv_err err = split(raw, len, max_len, &i, &j);
	if (err != LV_OK) return err;
	err = header(raw, i, &kid, &kid_len, typ, typ_cap, typ_len);
	free(kid);
	return err;
}

lv_err lv_jws_open(const lv_keyring *kr, const char *raw, size_t len, const char *want_typ, size_t max_len,
                   unsigned char **payload, size_t *plen, char **kid) {
	unsigned char sig[crypto_sign_BYTES];
	char typ[64];
	size_t typ_len, kid_len = 0, slen, i, j;
	*payload = NULL, *kid = NULL;
	lv_err serr = split(raw, len, max_len, &i, &j);
	if (serr != LV_OK) return serr;
	size_t hlen = i, pl = j - i - 1, sl = len - j - 1;
	lv_err err = header(raw, hlen, kid, &kid_len, typ, sizeof typ, &typ_len);
	if (err != LV_OK) return err;
	if (!eq(typ, typ_len, want_typ)) return LV_WRONG_TYPE;
	const unsigned char *pub = lv_keyring_key(kr, *kid, kid_len);
	if (!pub) return LV_UNKNOWN_KEY;
	if (sl != LV_SIGNATURE_CHARS || !lv_b64url(raw + j + 1, sl, sig, &slen) || slen != sizeof sig) return LV_MALFORMED;
	if (crypto_sign_verify_detached(sig, (const unsigned char *)raw, j, pub) != 0) return LV_BAD_SIGNATURE;
	if (!(*payload = malloc(pl * 3 / 4 + 1))) return LV_ERR_NO_MEMORY;
	if (!lv_b64url(raw + i + 1, pl, *payload, plen)) {
		free(*payload);
		*payload = NULL;
		return LV_MALFORMED;
	}
	return LV_OK;
}

int lv_buf_add(char **buf, size_t *len, size_t *cap, const char *s, size_t n) {
	if (*cap - *len < n + 1) {
		size_t c = (*cap ? *cap : 256);
		while (c - *len < n + 1) c *= 2;
		char *nb = realloc(*buf, c);
		if (!nb) return 0;
		*buf = nb, *cap = c;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = 0;
	return 1;
}

int lv_json_quote(char **buf, size_t *len, size_t *cap, const char *s, size_t n) {
	static const char hex[] = "0123456789abcdef";
	if (!lv_buf_add(buf, len, cap, "\"", 1)) return 0;
	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)s[k];
		char esc[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
		const char *out = NULL;
		size_t on = 0;
		if (c == '"') out = "\\\"", on = 2;
		else if (c == '\\') out = "\\\\", on = 2;
		else if (c == '\n') out = "\\n", on = 2;
		else if (c == '\r') out = "\\r", on = 2;
		else if (c == '\t') out = "\\t", on = 2;
		else if (c < 0x20 || c == '<' || c == '>' || c == '&') out = esc, on = 6;
		else if (c == 0xE2 && n - k >= 3 && (unsigned char)s[k + 1] == 0x80 && ((unsigned char)s[k + 2] & 0xFE) == 0xA8) {
			out = (unsigned char)s[k + 2] == 0xA8 ? "\\u2028" : "\\u2029", on = 6;
			k += 2;
		}
		if (!(out ? lv_buf_add(buf, len, cap, out, on) : lv_buf_add(buf, len, cap, s + k, 1))) return 0;
	}
	return lv_buf_add(buf, len, cap, "\"", 1);
}
