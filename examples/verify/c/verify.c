/*
 * Verify a licentia authorization code offline, in C, with libsodium.
 *
 * Build: cc -O2 -Wall -o verify verify.c $(pkg-config --cflags --libs libsodium)   (or: make)
 * Usage: ./verify JWKS_FILE CODE      (CODE "-" reads the code from standard input)
 *
 * Environment (each optional): LICENTIA_PRODUCT (accepted pid), LICENTIA_SKU (accepted sku),
 * LICENTIA_ISSUER (accepted iss), LICENTIA_ALLOW_TEST=1 (accept marketplace test codes),
 * LICENTIA_NOW (unix seconds to judge the code at, instead of the clock).
 *
 * Prints the verified claims as JSON and exits 0 when the code is valid; prints the reason on standard
 * error and exits 1 when it is not; exits 64 on a usage error. The format is specified in the licentia
 * repository's verifier/doc.go; this program follows it and uses no licentia code. The small JSON
 * reader below is enough for a JWKS and a code's header and claims; a real program may use any JSON
 * library instead.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#define MAX_CODE 8192
#define MAX_HEADER 512
#define SIGNATURE_CHARS 86
#define MAX_KEYS 64
#define MAX_FILE (1 << 20)

static const char CODE_TYPE[] = "licentia+jwt";
/* Ed25519 SubjectPublicKeyInfo DER prefix; the key id is SHA-256 over prefix + key, first 8 bytes, hex. */
static const unsigned char SPKI_PREFIX[12] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

/* ---- a small strict JSON reader ---- */

enum { J_NULL, J_BOOL, J_INT, J_FLOAT, J_STR, J_ARR, J_OBJ };

typedef struct json {
	int type;
	int boolean;
	long long integer;
	char *str; /* J_STR: decoded, NUL-terminated (an embedded NUL ends comparisons early: see has_nul) */
	size_t len;
	int has_nul;
	size_t n;            /* J_ARR, J_OBJ: number of members */
	char **keys;         /* J_OBJ: member names */
	struct json **items; /* J_ARR, J_OBJ: members */
} json;

typedef struct {
	const char *s;
	size_t len, i;
} reader;

/* Every allocation of the reader lives until the program exits. */
static void *xalloc(size_t n) {
	void *p = calloc(1, n ? n : 1);
	if (!p) {
		fputs("verify: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

static void skip_ws(reader *r) {
	while (r->i < r->len && strchr(" \t\r\n", r->s[r->i]) && r->s[r->i]) r->i++;
}

static int take(reader *r, char c) {
	if (r->i < r->len && r->s[r->i] == c) {
		r->i++;
		return 1;
	}
	return 0;
}

static int hex4(reader *r, unsigned *out) {
	unsigned v = 0;
	if (r->i + 4 > r->len) return 0;
	for (int k = 0; k < 4; k++) {
		char c = r->s[r->i++];
		v <<= 4;
		if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
		else return 0;
	}
	*out = v;
	return 1;
}

static size_t put_utf8(char *o, unsigned cp) {
	if (cp < 0x80) { o[0] = (char)cp; return 1; }
	if (cp < 0x800) { o[0] = (char)(0xC0 | cp >> 6); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | cp >> 18); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

static int read_string(reader *r, json *v) {
	char *out = xalloc(r->len - r->i + 1); /* decoding never grows the text */
	size_t n = 0;
	r->i++; /* the opening quote */
	for (;;) {
		if (r->i >= r->len) return 0;
		unsigned char c = (unsigned char)r->s[r->i++];
		if (c == '"') break;
		if (c < 0x20) return 0;
		if (c != '\\') { out[n++] = (char)c; continue; }
		if (r->i >= r->len) return 0;
		char e = r->s[r->i++];
		const char *esc = strchr("\"\\/bfnrt", e);
		if (e && esc) { out[n++] = "\"\\/\b\f\n\r\t"[esc - "\"\\/bfnrt"]; continue; }
		if (e != 'u') return 0;
		unsigned cp, lo;
		if (!hex4(r, &cp)) return 0;
		if (cp >= 0xD800 && cp < 0xDC00 && r->i + 1 < r->len && r->s[r->i] == '\\' && r->s[r->i + 1] == 'u') {
			size_t save = r->i;
			r->i += 2;
			if (hex4(r, &lo) && lo >= 0xDC00 && lo < 0xE000) cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			else r->i = save;
		}
		if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD; /* a lone surrogate */
		if (cp == 0) v->has_nul = 1;
		n += put_utf8(out + n, cp);
	}
	out[n] = 0;
	v->type = J_STR, v->str = out, v->len = n;
	return 1;
}

static int read_number(reader *r, json *v) {
	size_t start = r->i, digits;
	int integer = 1;
	take(r, '-');
	digits = r->i;
	while (r->i < r->len && r->s[r->i] >= '0' && r->s[r->i] <= '9') r->i++;
	if (r->i == digits || (r->s[digits] == '0' && r->i - digits > 1)) return 0;
	if (take(r, '.')) {
		size_t f = r->i;
		integer = 0;
		while (r->i < r->len && r->s[r->i] >= '0' && r->s[r->i] <= '9') r->i++;
		if (r->i == f) return 0;
	}
	if (r->i < r->len && (r->s[r->i] == 'e' || r->s[r->i] == 'E')) {
		size_t e;
		integer = 0;
		r->i++;
		if (!take(r, '+')) take(r, '-');
		e = r->i;
		while (r->i < r->len && r->s[r->i] >= '0' && r->s[r->i] <= '9') r->i++;
		if (r->i == e) return 0;
	}
	v->type = integer ? J_INT : J_FLOAT;
	if (integer) {
		char buf[32];
		if (r->i - start >= sizeof buf) return 0;
		memcpy(buf, r->s + start, r->i - start);
		buf[r->i - start] = 0;
		errno = 0;
		v->integer = strtoll(buf, NULL, 10);
		if (errno == ERANGE) return 0;
	}
	return 1;
}

static json *read_value(reader *r, int depth) {
	json *v = xalloc(sizeof *v);
	skip_ws(r);
	if (r->i >= r->len || depth > 64) return NULL;
	char c = r->s[r->i];
	if (c == '{' || c == '[') {
		char close = c == '{' ? '}' : ']';
		size_t cap = 8;
		r->i++;
		v->type = c == '{' ? J_OBJ : J_ARR;
		v->items = xalloc(cap * sizeof *v->items);
		v->keys = xalloc(cap * sizeof *v->keys);
		skip_ws(r);
		if (take(r, close)) return v;
		do {
			if (v->n == cap) {
				cap *= 2;
				v->items = realloc(v->items, cap * sizeof *v->items);
				v->keys = realloc(v->keys, cap * sizeof *v->keys);
				if (!v->items || !v->keys) return NULL;
			}
			if (v->type == J_OBJ) {
				json k = {0};
				skip_ws(r);
				if (r->i >= r->len || r->s[r->i] != '"' || !read_string(r, &k) || k.has_nul) return NULL;
				skip_ws(r);
				if (!take(r, ':')) return NULL;
				v->keys[v->n] = k.str;
			}
			if (!(v->items[v->n] = read_value(r, depth + 1))) return NULL;
			v->n++;
			skip_ws(r);
		} while (take(r, ','));
		return take(r, close) ? v : NULL;
	}
	if (c == '"') return read_string(r, v) ? v : NULL;
	if (r->len - r->i >= 4 && !memcmp(r->s + r->i, "true", 4)) { r->i += 4; v->type = J_BOOL, v->boolean = 1; return v; }
	if (r->len - r->i >= 5 && !memcmp(r->s + r->i, "false", 5)) { r->i += 5; v->type = J_BOOL; return v; }
	if (r->len - r->i >= 4 && !memcmp(r->s + r->i, "null", 4)) { r->i += 4; v->type = J_NULL; return v; }
	return read_number(r, v) ? v : NULL;
}

static json *json_parse(const char *s, size_t len) {
	reader r = {s, len, 0};
	json *v = read_value(&r, 0);
	skip_ws(&r);
	return v && r.i == len ? v : NULL;
}

/* json_get returns the object member name (the last one, when repeated), or NULL. */
static json *json_get(const json *o, const char *name) {
	json *found = NULL;
	if (o && o->type == J_OBJ)
		for (size_t k = 0; k < o->n; k++)
			if (!strcmp(o->keys[k], name)) found = o->items[k];
	return found;
}

static int str_is(const json *v, const char *want) {
	return v && v->type == J_STR && !v->has_nul && !strcmp(v->str, want);
}

/* ---- base64url, keys, the code ---- */

/* b64url decodes strictly (URL-safe alphabet, no padding, zero unused bits) into out (room for max bytes). */
static int b64url(const char *in, size_t len, unsigned char *out, size_t max, size_t *n) {
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned acc = 0;
	int bits = 0;
	*n = 0;
	if (len % 4 == 1) return 0;
	for (size_t k = 0; k < len; k++) {
		const char *p = in[k] ? strchr(alphabet, in[k]) : NULL;
		if (!p) return 0;
		acc = (acc << 6) | (unsigned)(p - alphabet);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (*n >= max) return 0;
			out[(*n)++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return acc == 0; /* the unused trailing bits must be zero */
}

typedef struct {
	char kid[17];
	unsigned char pub[crypto_sign_PUBLICKEYBYTES];
} key;

static char *read_file(const char *path, size_t *len) {
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) return NULL;
	char *buf = xalloc(MAX_FILE + 1);
	*len = fread(buf, 1, MAX_FILE, f);
	int bad = ferror(f) || !feof(f);
	if (f != stdin) fclose(f);
	if (bad) return NULL;
	buf[*len] = 0;
	return buf;
}

/* load_keys reads the OKP/Ed25519 signing keys of a JWKS file; it returns their number, or -1 with msg set. */
static int load_keys(const char *path, key *keys, const char **msg) {
	size_t len, n = 0;
	char *text = read_file(path, &len);
	json *doc = text ? json_parse(text, len) : NULL;
	json *list = json_get(doc, "keys");
	*msg = !text ? "cannot read the key file" : "the key file is not a JWKS";
	if (!list || list->type != J_ARR) return -1;
	for (size_t k = 0; k < list->n; k++) {
		json *j = list->items[k], *alg = json_get(j, "alg"), *use = json_get(j, "use"), *x = json_get(j, "x");
		json *kid = json_get(j, "kid");
		unsigned char der[sizeof SPKI_PREFIX + crypto_sign_PUBLICKEYBYTES], sum[crypto_hash_sha256_BYTES];
		size_t got;
		if (json_get(j, "d")) { *msg = "the key file holds a private key; ship only public keys"; return -1; }
		if (!str_is(json_get(j, "kty"), "OKP") || !str_is(json_get(j, "crv"), "Ed25519")) continue;
		if ((alg && !str_is(alg, "EdDSA") && !str_is(alg, "Ed25519")) || (use && !str_is(use, "sig"))) continue;
		if (!x || x->type != J_STR || !b64url(x->str, x->len, keys[n].pub, sizeof keys[n].pub, &got) ||
		    got != crypto_sign_PUBLICKEYBYTES) {
			*msg = "a key with a bad \"x\"";
			return -1;
		}
		memcpy(der, SPKI_PREFIX, sizeof SPKI_PREFIX);
		memcpy(der + sizeof SPKI_PREFIX, keys[n].pub, crypto_sign_PUBLICKEYBYTES);
		crypto_hash_sha256(sum, der, sizeof der);
		sodium_bin2hex(keys[n].kid, sizeof keys[n].kid, sum, 8);
		if (kid && !str_is(kid, keys[n].kid)) { *msg = "a key id does not match its key"; return -1; }
		if (++n == MAX_KEYS) break;
	}
	*msg = "no Ed25519 signing key in the key file";
	return n ? (int)n : -1;
}

static const char *env(const char *name) {
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

/* int_claim checks an optional non-negative integer claim into *out (0 when absent). */
static int int_claim(const json *c, const char *name, long long *out) {
	json *v = json_get(c, name);
	*out = 0;
	if (!v) return 1;
	if (v->type != J_INT || v->integer < 0) return 0;
	*out = v->integer;
	return 1;
}

/* str_claim returns an optional string claim ("" when absent), or NULL when it is not a string. */
static const char *str_claim(const json *c, const char *name) {
	json *v = json_get(c, name);
	if (!v) return "";
	return v->type == J_STR && !v->has_nul ? v->str : NULL;
}

/*
 * verify checks code at now and returns NULL when it is valid, or the reason it is not. On success
 * *payload (NUL-terminated) holds the verified claims JSON and *in_grace says whether the license is
 * past its end but inside its grace. It follows verifier/doc.go's checks in order.
 */
static const char *verify(const key *keys, int nkeys, char *input, long long now, char **payload, int *in_grace) {
	static const char *space = " \t\r\n\v\f";
	static const char *strings[] = {"iss", "sub", "st", "pid", "sku", "ord", "oli", "cid"};
	char *code = input, *end = input + strlen(input), *w;
	unsigned char hbuf[MAX_HEADER], sig[crypto_sign_BYTES];
	size_t hlen, slen, plen;
	while (*code && strchr(space, *code)) code++;
	while (end > code && strchr(space, end[-1])) end--;
	*end = 0;
	for (w = code, end = code; *end; end++) /* line breaks inside, as left by pasting */
		if (*end != '\r' && *end != '\n') *w++ = *end;
	*w = 0;
	size_t len = strlen(code);
	if (len == 0 || len > MAX_CODE) return "malformed";
	char *dot1 = strchr(code, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (!dot2 || strchr(dot2 + 1, '.')) return "malformed";
	size_t h = (size_t)(dot1 - code), p = (size_t)(dot2 - dot1 - 1), s = len - (size_t)(dot2 - code) - 1;
	if (h == 0 || h > MAX_HEADER || p == 0) return "malformed";
	/* 1. Form: header JSON object, no crit, alg, typ. */
	if (!b64url(code, h, hbuf, sizeof hbuf, &hlen)) return "malformed";
	json *hdr = json_parse((const char *)hbuf, hlen);
	if (!hdr || hdr->type != J_OBJ || json_get(hdr, "crit")) return "malformed";
	json *alg = json_get(hdr, "alg"), *kid = json_get(hdr, "kid"), *typ = json_get(hdr, "typ");
	if ((alg && alg->type != J_STR) || (kid && kid->type != J_STR) || (typ && typ->type != J_STR)) return "malformed";
	if (!str_is(alg, "EdDSA") && !str_is(alg, "Ed25519")) return "wrong_algorithm";
	if (!str_is(typ, CODE_TYPE)) return "wrong_type";
	/* 2. Key, by kid only. */
	const key *k = NULL;
	for (int i = 0; kid && i < nkeys; i++)
		if (str_is(kid, keys[i].kid)) k = &keys[i];
	if (!k) return "unknown_key";
	/* 3. Signature (exactly 64 bytes) over the ASCII of header "." claims; the claims are decoded after. */
	if (s != SIGNATURE_CHARS || !b64url(dot2 + 1, s, sig, sizeof sig, &slen) || slen != sizeof sig) return "malformed";
	if (crypto_sign_verify_detached(sig, (const unsigned char *)code, (size_t)(dot2 - code), k->pub) != 0)
		return "bad_signature";
	*payload = xalloc(p + 1);
	if (!b64url(dot1 + 1, p, (unsigned char *)*payload, p, &plen)) return "malformed";
	(*payload)[plen] = 0;
	/* 4. Claims: a JSON object with the required claims in range. */
	json *c = json_parse(*payload, plen), *test = json_get(c, "test");
	long long gen, iat, nbf, exp, grace, qty;
	if (!c || c->type != J_OBJ) return "malformed";
	for (size_t i = 0; i < sizeof strings / sizeof *strings; i++)
		if (!str_claim(c, strings[i])) return "malformed";
	if (!int_claim(c, "gen", &gen) || !int_claim(c, "iat", &iat) || !int_claim(c, "nbf", &nbf) ||
	    !int_claim(c, "exp", &exp) || !int_claim(c, "grace", &grace) || !int_claim(c, "qty", &qty))
		return "malformed";
	if ((test && test->type != J_BOOL) || !*str_claim(c, "sub") || !*str_claim(c, "st") || gen < 1) return "malformed";
	/* 5. Scope, when configured. */
	if (env("LICENTIA_ISSUER") && strcmp(str_claim(c, "iss"), env("LICENTIA_ISSUER"))) return "wrong_issuer";
	if (env("LICENTIA_PRODUCT") && strcmp(str_claim(c, "pid"), env("LICENTIA_PRODUCT"))) return "wrong_product";
	if (env("LICENTIA_SKU") && strcmp(str_claim(c, "sku"), env("LICENTIA_SKU"))) return "wrong_sku";
	/* 6. Test codes. */
	if (test && test->boolean && !(env("LICENTIA_ALLOW_TEST") && !strcmp(env("LICENTIA_ALLOW_TEST"), "1")))
		return "test_code";
	/* 8. Status. */
	if (!strcmp(str_claim(c, "st"), "revoked")) return "revoked";
	if (strcmp(str_claim(c, "st"), "active")) return "inactive";
	/* 10. Time: valid while now < exp; then in grace while now < exp + grace (saturating). */
	if (now < nbf) return "not_yet_valid";
	if (exp && now >= (grace > LLONG_MAX - exp ? LLONG_MAX : exp + grace)) return "expired";
	*in_grace = exp && exp <= now;
	return NULL;
}

int main(int argc, char **argv) {
	key keys[MAX_KEYS];
	const char *msg, *at = env("LICENTIA_NOW"), *reason;
	char *code, *payload = NULL, *rest;
	size_t len;
	int nkeys, in_grace = 0;
	long long now = (long long)time(NULL);
	if (argc != 3) {
		fputs("usage: verify JWKS_FILE CODE   (CODE - reads standard input)\n", stderr);
		return 64;
	}
	if (sodium_init() < 0) {
		fputs("verify: libsodium did not initialise\n", stderr);
		return 1;
	}
	if ((nkeys = load_keys(argv[1], keys, &msg)) < 0) {
		fprintf(stderr, "verify: %s: %s\n", argv[1], msg);
		return 1;
	}
	if (at) {
		errno = 0;
		now = strtoll(at, &rest, 10);
		if (errno || *rest) {
			fputs("verify: LICENTIA_NOW is not a unix time in seconds\n", stderr);
			return 1;
		}
	}
	if (strcmp(argv[2], "-")) {
		code = xalloc(strlen(argv[2]) + 1);
		strcpy(code, argv[2]);
	} else if (!(code = read_file("-", &len)) || strlen(code) != len) {
		fputs("verify: cannot read the code from standard input\n", stderr);
		return 1;
	}
	if ((reason = verify(keys, nkeys, code, now, &payload, &in_grace))) {
		fprintf(stderr, "verify: invalid code: %s\n", reason);
		return 1;
	}
	if (in_grace) fputs("verify: the license has expired and is in its grace period; renew it\n", stderr);
	printf("%s\n", payload);
	return 0;
}
