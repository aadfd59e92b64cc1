/*
 * Tests of liblicentia_verify, through its public header only: every golden vector of
 * verifier/testdata/vectors.json, the binding, the revocation list and its freshness, revocation documents
 * (verifier/testdata/revocation_delta_vectors.json), the state file,
 * key rings, claims read as Go reads them, and malformed input (run under valgrind or ASan in CI).
 *
 * Usage: test_verify VECTORS_JSON [DEPLOYMENT_VECTORS_JSON]
 * The vectors files are read with the library's own JSON reader, compiled in here from src/json.c. The
 * deployment vectors default to deployment_vectors.json next to VECTORS_JSON, and the revocation document
 * vectors are revocation_delta_vectors.json next to it.
 */
#include "../src/json.c"

#include <licentia_verify.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures, checks;

#define CHECK(cond, ...)                                                  \
	do {                                                              \
		checks++;                                                 \
		if (!(cond)) {                                            \
			failures++;                                       \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                     \
			fputc('\n', stderr);                              \
		}                                                         \
	} while (0)

#define CHECK_ERR(got, want, what) \
	CHECK((got) == (want), "%s: got %s, want %s", what, lv_reason_name(got), lv_reason_name(want))

static unsigned char sk[crypto_sign_SECRETKEYBYTES];
static char key_id[17], tmpdir[64];
static int64_t now;
static lv_keyring *keys;
static lv_revocations *file_list;
static const char *products[] = {"OFFI001"};

static char *slurp(const char *path, size_t *len) {
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	if (f) {
		fseek(f, 0, SEEK_END);
		long n = ftell(f);
		fseek(f, 0, SEEK_SET);
		buf = malloc((size_t)n + 1);
		*len = fread(buf, 1, (size_t)n, f);
		buf[*len] = 0;
		fclose(f);
	}
	return buf;
}

static void spit(const char *path, const char *text) {
	FILE *f = fopen(path, "wb");
	fputs(text, f);
	fclose(f);
}

static char *b64(const void *data, size_t n) {
	size_t cap = sodium_base64_encoded_len(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = malloc(cap);
	return sodium_bin2base64(out, cap, data, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* sign returns header.payload.signature signed with the vectors' seed; free() it. */
static char *sign(const char *header, const char *payload) {
	char *h = b64(header, strlen(header)), *p = b64(payload, strlen(payload));
	size_t n = strlen(h) + strlen(p) + 2;
	char *input = malloc(n + 90);
	unsigned char sig[crypto_sign_BYTES];
	snprintf(input, n, "%s.%s", h, p);
	crypto_sign_detached(sig, NULL, (unsigned char *)input, strlen(input), sk);
	char *s = b64(sig, sizeof sig);
	strcat(strcat(input, "."), s);
	free(h), free(p), free(s);
	return input;
}

static char *code_json(const char *payload) {
	char header[128];
	snprintf(header, sizeof header, "{\"alg\":\"EdDSA\",\"kid\":\"%s\",\"typ\":\"licentia+jwt\"}", key_id);
	return sign(header, payload);
}

/* code returns an active code of the vectors' product for license id at generation gen, issued at iat. */
static char *code(const char *id, long long gen, long long iat) {
	char payload[512];
	snprintf(payload, sizeof payload,
	         "{\"iss\":\"licentia\",\"sub\":\"%s\",\"gen\":%lld,\"iat\":%lld,\"nbf\":%lld,\"exp\":%lld,\"st\":\"active\","
	         "\"pid\":\"OFFI001\",\"sku\":\"sku-std\",\"ord\":\"o-1\"}",
	         id, gen, iat, (long long)now - 86400, (long long)now + 86400 * 30);
	return code_json(payload);
}

static lv_revocations *list(long long iat, const char *min_gen) {
	char header[128], payload[256];
	lv_revocations *l = NULL;
	snprintf(header, sizeof header, "{\"alg\":\"EdDSA\",\"kid\":\"%s\",\"typ\":\"licentia-revocations+jwt\"}", key_id);
	snprintf(payload, sizeof payload, "{\"iat\":%lld,\"min_gen\":%s}", iat, min_gen);
	char *jws = sign(header, payload);
	lv_err err = lv_revocations_parse(keys, jws, strlen(jws), &l);
	CHECK_ERR(err, LV_OK, "parse a signed list");
	free(jws);
	return l;
}

/* verify checks c at at with the options and returns the outcome; *res is released. */
static lv_err verify(const lv_options *o, const char *c, int64_t at, int *in_grace) {
	lv_verifier *v;
	lv_result res;
	lv_err err = lv_verifier_new(keys, o, &v);
	if (err != LV_OK) return err;
	err = lv_verify_at(v, c, strlen(c), at, &res);
	if (in_grace) *in_grace = res.in_grace;
	lv_result_free(&res);
	lv_verifier_free(v);
	return err;
}

static void bound(lv_options *o) {
	lv_options_init(o);
	o->products = products, o->n_products = 1;
}

static lv_err reason_by_name(const char *name) {
	for (int e = LV_OK; e <= LV_ERR_NO_MEMORY; e++)
		if (!strcmp(lv_reason_name((lv_err)e), name)) return (lv_err)e;
	return (lv_err)-1;
}

static const char *str_of(const lvj *obj, const char *name) {
	const lvj *v;
	return lvj_field_type(obj, name, LVJ_STR, &v) && v ? v->s : "";
}

static void test_vectors(const lvj *doc) {
	const lvj *vectors, *options;
	lvj_field_type(doc, "vectors", LVJ_ARR, &vectors);
	lvj_field_type(doc, "options", LVJ_OBJ, &options);
	const char *iss = str_of(options, "issuer");
	const char *prod[] = {str_of(options, "product")}, *sku[] = {str_of(options, "sku")};
	int count = 0;
	for (const lvj *v = vectors ? vectors->child : NULL; v; v = v->next, count++) {
		const lvj *want, *state, *gens;
		const char *name = str_of(v, "name"), *c = "";
		size_t clen = 0;
		int allow = 0, valid = 0, grace = 0, in_grace = 0;
		int64_t exit_status = -1;
		lv_options o;
		lv_state *st = NULL;
		char path[128];
		lv_options_init(&o);
		o.issuer = iss, o.products = prod, o.n_products = 1, o.skus = sku, o.n_skus = 1, o.revocations = file_list;
		lvj_field_bool(v, "allow_test", &allow);
		o.allow_test = allow;
		lvj_field_str(v, "code", &c, &clen);
		lvj_field_type(v, "want", LVJ_OBJ, &want);
		lvj_field_bool(want, "valid", &valid);
		lvj_field_bool(want, "in_grace", &grace);
		lvj_field_int(want, "exit", &exit_status);
		if (lvj_field_type(v, "state", LVJ_OBJ, &state) && state) {
			int64_t seen = 0;
			char text[512];
			size_t n;
			lvj_field_int(state, "seen", &seen);
			lvj_field_type(state, "min_gen", LVJ_OBJ, &gens);
			n = (size_t)snprintf(text, sizeof text, "{\"format\":\"licentia-verifier-state/1\",\"seen\":%lld,\"min_gen\":{", (long long)seen);
			for (const lvj *g = gens ? gens->child : NULL; g; g = g->next)
				n += (size_t)snprintf(text + n, sizeof text - n, "%s\"%s\":%.*s", g == gens->child ? "" : ",", g->name, (int)g->n, g->s);
			snprintf(text + n, sizeof text - n, "}}");
			snprintf(path, sizeof path, "%s/%s.json", tmpdir, name);
			spit(path, text);
			CHECK_ERR(lv_state_open(path, &st), LV_OK, name);
			o.state = st;
		}
		lv_verifier *ver;
		lv_result res;
		CHECK_ERR(lv_verifier_new(keys, &o, &ver), LV_OK, name);
		lv_err err = lv_verify_at(ver, c, clen, now, &res);
		in_grace = res.in_grace;
		lv_err want_err = valid ? LV_OK : reason_by_name(str_of(want, "reason"));
		CHECK(err == want_err, "vector %s: got %s, want %s", name, lv_reason_name(err), str_of(want, "reason"));
		CHECK(in_grace == grace, "vector %s: in_grace %d, want %d", name, in_grace, grace);
		CHECK(lv_exit_status(err) == exit_status, "vector %s: exit %d, want %lld", name, lv_exit_status(err), (long long)exit_status);
		if (err == LV_OK) CHECK(res.key_id && !strcmp(res.key_id, key_id), "vector %s: key id", name);
		lv_result_free(&res);
		lv_verifier_free(ver);
		lv_state_free(st);
	}
	CHECK(count >= 40, "vectors: got %d, want the whole file", count);
}

static void test_alg_ed25519(const lvj *doc) {
	const lvj *vectors;
	lvj_field_type(doc, "vectors", LVJ_ARR, &vectors);
	const char *valid = str_of(vectors->child, "code");
	const char *dot1 = strchr(valid, '.'), *dot2 = strrchr(valid, '.');
	unsigned char payload[1024];
	size_t n;
	lv_options o;
	lv_result res;
	lv_verifier *v;
	char header[128];
	CHECK(sodium_base642bin(payload, sizeof payload - 1, dot1 + 1, (size_t)(dot2 - dot1 - 1), NULL, &n, NULL,
	                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0, "decode the valid payload");
	payload[n] = 0;
	snprintf(header, sizeof header, "{\"alg\":\"Ed25519\",\"kid\":\"%s\",\"typ\":\"licentia+jwt\"}", key_id);
	char *c = sign(header, (char *)payload);
	bound(&o);
	lv_verifier_new(keys, &o, &v);
	CHECK_ERR(lv_verify_at(v, c, strlen(c), now, &res), LV_OK, "alg Ed25519");
	char *json = lv_claims_json(&res.claims);
	CHECK(json && !strcmp(json, (char *)payload), "lv_claims_json gives the signed form: %s", json);
	free(json);
	lv_result_free(&res);
	lv_verifier_free(v);
	free(c);
}

static void test_binding(void) {
	lv_options o;
	lv_verifier *v = NULL;
	const char *two[] = {"OFFI999", "OFFI001"};
	char *c = code("inst-b", 1, now);
	lv_options_init(&o);
	CHECK_ERR(lv_verifier_new(keys, &o, &v), LV_ERR_UNBOUND, "no binding");
	CHECK(!strcmp(lv_reason_name(LV_ERR_UNBOUND), "unbound") && lv_exit_status(LV_ERR_UNBOUND) == 64, "unbound: name and exit");
	o.any_product = 1;
	CHECK_ERR(verify(&o, c, now, NULL), LV_OK, "any product");
	o.products = products, o.n_products = 1;
	CHECK_ERR(lv_verifier_new(keys, &o, &v), LV_ERR_INVALID_ARGUMENT, "any product and a product");
	lv_options_init(&o);
	o.products = two, o.n_products = 2;
	CHECK_ERR(verify(&o, c, now, NULL), LV_OK, "one of two products");
	o.products = two, o.n_products = 1;
	CHECK_ERR(verify(&o, c, now, NULL), LV_WRONG_PRODUCT, "another product");
	lv_options_init(&o);
	const char *pro[] = {"sku-pro"};
	o.skus = pro, o.n_skus = 1;
	CHECK_ERR(verify(&o, c, now, NULL), LV_WRONG_SKU, "another sku");
	CHECK(lv_err_is(LV_WRONG_SKU, LV_WRONG_PRODUCT) && lv_err_is(LV_SUPERSEDED, LV_REVOKED) &&
	          lv_err_is(LV_WRONG_TYPE, LV_MALFORMED) && !lv_err_is(LV_REVOKED, LV_SUPERSEDED),
	      "reasons nest as in Go");
	free(c);
}

static void test_revocations(void) {
	lv_options o;
	char *gen1 = code("inst-r", 1, now - 3600), *gen2 = code("inst-r", 2, now - 60);
	lv_revocations *fresh = list(now - 60, "{\"inst-r\":2}"), *old = list(now - 7200, "{}"), *l = NULL;
	bound(&o);
	o.max_list_age = 3600;
	o.revocations = fresh;
	CHECK_ERR(verify(&o, gen1, now, NULL), LV_REVOKED, "revoked by a fresh list");
	CHECK_ERR(verify(&o, gen2, now, NULL), LV_OK, "the current generation");
	o.revocations = old;
	CHECK_ERR(verify(&o, gen1, now, NULL), LV_STALE_LIST, "a list older than the maximum age");
	o.revocations = NULL;
	CHECK_ERR(verify(&o, gen1, now, NULL), LV_STALE_LIST, "no list, one required");
	CHECK(lv_revocations_min_gen(fresh, "inst-r") == 2 && lv_revocations_issued_at(fresh) == now - 60, "list accessors");
	CHECK_ERR(lv_revocations_parse(keys, gen1, strlen(gen1), &l), LV_WRONG_TYPE, "a code passed as a list");
	const char *bad[] = {"{\"\":2}", "{\"x\":0}", "{\"x\":1.5}", "null", "[]", "{\"x\":null}"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char header[128], payload[128];
		snprintf(header, sizeof header, "{\"alg\":\"EdDSA\",\"kid\":\"%s\",\"typ\":\"licentia-revocations+jwt\"}", key_id);
		snprintf(payload, sizeof payload, "{\"iat\":1,\"min_gen\":%s}", bad[i]);
		char *jws = sign(header, payload);
		CHECK_ERR(lv_revocations_parse(keys, jws, strlen(jws), &l), LV_MALFORMED, bad[i]);
		free(jws);
	}
	lv_revocations_free(fresh), lv_revocations_free(old);
	free(gen1), free(gen2);
}

static void test_state(void) {
	lv_options o;
	lv_state *st;
	char path[128], want[256];
	size_t len;
	struct stat sb;
	char *gen1 = code("inst-s", 1, now - 7200), *gen2 = code("inst-s", 2, now - 3600), *c = code("inst-t", 1, now - 3600);
	snprintf(path, sizeof path, "%s/state.json", tmpdir);
	bound(&o);
	lv_state_open(path, &st);
	o.state = st;
	CHECK_ERR(verify(&o, gen2, now, NULL), LV_OK, "first check with a state file");
	lv_state_free(st);
	char *text = slurp(path, &len);
	snprintf(want, sizeof want, "{\"format\":\"licentia-verifier-state/1\",\"seen\":%lld,\"min_gen\":{\"inst-s\":2}}\n", (long long)now);
	CHECK(text && !strcmp(text, want), "state file: got %s, want %s", text, want);
	free(text);
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600, "state file mode %o, want 600", sb.st_mode & 0777);
	lv_state_open(path, &st);
	o.state = st;
	CHECK_ERR(verify(&o, gen1, now, NULL), LV_SUPERSEDED, "an older generation put back");
	CHECK_ERR(verify(&o, gen2, now - 3600, NULL), LV_CLOCK_ROLLBACK, "the clock set back an hour");
	CHECK(lv_state_seen(st) == now, "seen is never lowered: %lld", (long long)lv_state_seen(st));
	CHECK_ERR(verify(&o, gen2, now - 300, NULL), LV_OK, "within the tolerance");
	/* An older list put back after a newer one was used. */
	lv_revocations *newer = list(now - 60, "{}"), *older = list(now - 600, "{}");
	o.revocations = newer;
	CHECK_ERR(verify(&o, c, now, NULL), LV_OK, "a list");
	CHECK(lv_state_list_iat(st) == now - 60, "list_iat recorded");
	o.revocations = older;
	CHECK_ERR(verify(&o, c, now, NULL), LV_STALE_LIST, "an older list put back");
	o.revocations = newer;
	CHECK_ERR(verify(&o, c, now, NULL), LV_OK, "the same list again");
	lv_state_free(st);
	lv_revocations_free(newer), lv_revocations_free(older);
	/* Unusable files are refused and left alone. */
	const char *bad[] = {"", "  \n", "{}", "[]", "{\"format\":\"other/1\",\"seen\":1,\"min_gen\":{}}",
	                     "{\"format\":\"licentia-verifier-state/1\",\"seen\":-1,\"min_gen\":{}}",
	                     "{\"format\":\"licentia-verifier-state/1\",\"seen\":1,\"min_gen\":{\"a\":0}}",
	                     "{\"format\":\"licentia-verifier-state/1\",\"seen\":1,\"min_gen\":{},\"extra\":1}",
	                     "{\"format\":\"licentia-verifier-state/1\",\"seen\":1.5,\"min_gen\":{}}",
	                     "{\"format\":\"licentia-verifier-state/1\",\"seen\":1,\"min_gen\":{}} {}"};
	snprintf(path, sizeof path, "%s/bad.json", tmpdir);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		spit(path, bad[i]);
		st = NULL;
		CHECK_ERR(lv_state_open(path, &st), LV_STATE_ERROR, bad[i]);
		text = slurp(path, &len);
		CHECK(text && !strcmp(text, bad[i]), "a refused state file was changed");
		free(text);
	}
	spit(path, "{\"FORMAT\":\"licentia-verifier-state/1\",\"seen\":5,\"list_iat\":3,\"min_gen\":{\"a\":2}}");
	CHECK_ERR(lv_state_open(path, &st), LV_OK, "a state file, names folded as Go reads them");
	CHECK(lv_state_seen(st) == 5 && lv_state_list_iat(st) == 3 && lv_state_min_gen(st, "a") == 2, "state accessors");
	lv_state_free(st);
	snprintf(path, sizeof path, "%s/no/such/dir/state.json", tmpdir);
	lv_state_open(path, &st);
	o.state = st, o.revocations = NULL;
	CHECK_ERR(verify(&o, c, now, NULL), LV_STATE_ERROR, "a state file that cannot be written");
	lv_state_free(st);
	free(gen1), free(gen2), free(c);
}

static void test_keyrings(const char *pem) {
	static const char other[] = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n";
	char both[1024], jwks[512];
	lv_keyring *kr = NULL;
	snprintf(both, sizeof both, "%s\n%s", other, pem);
	CHECK_ERR(lv_keyring_parse(both, strlen(both), &kr), LV_OK, "two PEM keys");
	CHECK(lv_keyring_count(kr) == 2 && !strcmp(lv_keyring_key_id(kr, 1), key_id) && !lv_keyring_key_id(kr, 2), "two key ids");
	lv_keyring_free(kr);
	snprintf(jwks, sizeof jwks,
	         "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"x\"},null,{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"alg\":\"EdDSA\",\"use\":\"sig\","
	         "\"kid\":\"%s\",\"x\":\"iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w\"}]}", key_id);
	CHECK_ERR(lv_keyring_parse(jwks, strlen(jwks), &kr), LV_OK, "a JWKS");
	CHECK(lv_keyring_count(kr) == 1 && !strcmp(lv_keyring_key_id(kr, 0), key_id), "the JWKS key id");
	lv_keyring_free(kr);
	snprintf(both, sizeof both, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n%s", pem);
	const char *bad[] = {"", "no keys here", both, "{\"keys\":[]}", "{\"keys\":{}}", "{\"keys\":[1]}",
	                     "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AAAA\"}]}",
	                     "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w\",\"d\":\"s\"}]}",
	                     "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w\",\"kid\":\"0000000000000000\"}]}",
	                     "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VxAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n",
	                     "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE\n"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		kr = NULL;
		CHECK_ERR(lv_keyring_parse(bad[i], strlen(bad[i]), &kr), LV_KEYRING_ERROR, bad[i]);
		CHECK(kr == NULL, "no key ring on failure");
	}
}

static void test_claims_as_go_reads_them(void) {
	static const char base[] = "\"iss\":\"licentia\",\"gen\":1,\"iat\":1,\"nbf\":1,\"st\":\"active\",\"pid\":\"OFFI001\",\"ord\":\"o\"";
	struct {
		const char *extra, *header_extra, *want_sub;
		lv_err want;
	} cases[] = {
		{",\"SUB\":\"x\"", NULL, "x", LV_OK},                 /* a folded name */
		{",\"\xc5\xbfub\":\"x\"", NULL, "x", LV_OK},          /* U+017F folds to s */
		{",\"sub\":\"x\",\"sub\":\"y\"", NULL, "y", LV_OK},   /* the later member */
		{",\"sub\":\"x\",\"sub\":null", NULL, "x", LV_OK},    /* null changes nothing */
		{",\"sub\":1,\"sub\":\"x\"", NULL, NULL, LV_MALFORMED}, /* a type error, though overridden */
		{",\"sub\":\"x\",\"qty\":1.0", NULL, NULL, LV_MALFORMED},
		{",\"sub\":\"x\",\"exp\":-1", NULL, NULL, LV_MALFORMED},
		{",\"sub\":\"x\",\"gen\":9223372036854775808", NULL, NULL, LV_MALFORMED},
		{",\"sub\":\"x\",\"future\":[1.5e3,{\"a\":null}]", NULL, "x", LV_OK},
		{",\"sub\":\"x\"", ",\"CRIT\":null", NULL, LV_MALFORMED},
		{",\"sub\":\"x\"", ",\"kid\":7", NULL, LV_MALFORMED},
		{",\"sub\":\"x\"", ",\"alg\":\"none\"", NULL, LV_WRONG_ALGORITHM},
		{",\"sub\":\"x\"", ",\"typ\":\"JWT\"", NULL, LV_WRONG_TYPE},
		{",\"sub\":\"x\",\"st\":\"active\\u0000\"", NULL, NULL, LV_INACTIVE},
	};
	lv_options o;
	bound(&o);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char payload[512], header[256];
		lv_verifier *v;
		lv_result res;
		snprintf(payload, sizeof payload, "{%s%s}", base, cases[i].extra);
		snprintf(header, sizeof header, "{\"alg\":\"EdDSA\",\"kid\":\"%s\",\"typ\":\"licentia+jwt\"%s}", key_id,
		         cases[i].header_extra ? cases[i].header_extra : "");
		char *c = sign(header, payload);
		lv_verifier_new(keys, &o, &v);
		lv_err err = lv_verify_at(v, c, strlen(c), now, &res);
		CHECK(err == cases[i].want, "claims %s%s: got %s, want %s", cases[i].extra, cases[i].header_extra ? cases[i].header_extra : "",
		      lv_reason_name(err), lv_reason_name(cases[i].want));
		if (cases[i].want_sub) CHECK(res.claims.sub && !strcmp(res.claims.sub, cases[i].want_sub), "sub %s", res.claims.sub);
		lv_result_free(&res);
		lv_verifier_free(v);
		free(c);
	}
	char header[128];
	snprintf(header, sizeof header, "{\"ALG\":\"EdDSA\",\"Kid\":\"%s\",\"TYP\":\"licentia+jwt\"}", key_id);
	char *c = sign(header, "{\"sub\":\"x\",\"gen\":1,\"st\":\"active\",\"pid\":\"OFFI001\"}");
	CHECK_ERR(verify(&o, c, now, NULL), LV_OK, "folded header names");
	free(c);
}

static void test_malformed(const char *valid) {
	lv_options o;
	lv_verifier *v;
	size_t n = strlen(valid);
	char *buf = malloc(n + 8);
	static const char alphabet[] = "A-_.=+/ \n{}\"\xc3\xa9";
	unsigned seed = 1;
	int accepted = 0;
	bound(&o);
	lv_verifier_new(keys, &o, &v);
	for (int k = 0; k < 3000; k++) {
		size_t len = n;
		memcpy(buf, valid, n);
		for (int m = 1 + (int)(rand_r(&seed) % 3); m > 0; m--) {
			size_t at = (size_t)rand_r(&seed) % len;
			char ch = alphabet[(size_t)rand_r(&seed) % (sizeof alphabet - 1)];
			switch (rand_r(&seed) % 3) {
			case 0: buf[at] = ch; break;
			case 1: memmove(buf + at, buf + at + 1, len - at - 1), len--; break;
			default:
				if (len < n + 7) memmove(buf + at + 1, buf + at, len - at), buf[at] = ch, len++;
			}
		}
		lv_result res;
		lv_err err = lv_verify_at(v, buf, len, now, &res);
		size_t clean_len = 0;
		char *cleaned = malloc(len + 1);
		for (size_t i = 0; i < len; i++)
			if (buf[i] != '\n' && !(buf[i] == ' ' && (i == 0 || i == len - 1))) cleaned[clean_len++] = buf[i];
		if (err == LV_OK && !(clean_len == n && !memcmp(cleaned, valid, n))) accepted++;
		free(cleaned);
		lv_result_free(&res);
	}
	CHECK(accepted == 0, "%d mutated codes accepted", accepted);
	char *big = malloc(70000);
	memset(big, 'a', 70000);
	CHECK_ERR(lv_verify_at(v, big, 70000, now, NULL), LV_MALFORMED, "a 70000-byte code");
	memcpy(big, "a.b.", 4);
	CHECK_ERR(lv_verify_at(v, big, 9000, now, NULL), LV_MALFORMED, "a 9000-byte code");
	CHECK_ERR(lv_verify_at(v, NULL, 0, now, NULL), LV_MALFORMED, "nothing");
	CHECK_ERR(lv_verify_at(v, "a\0b.c.d", 7, now, NULL), LV_MALFORMED, "a NUL inside");
	free(big);
	lv_verifier_free(v);
	free(buf);
	/* Deep nesting in a signed payload is refused, not a stack overflow. */
	char *deep = malloc(200001);
	memset(deep, '[', 200000);
	deep[200000] = 0;
	char *c = code_json(deep);
	CHECK_ERR(verify(&o, c, now, NULL), LV_MALFORMED, "deep nesting");
	free(c), free(deep);
}

#include "deployment_test.c"
#include "revocation_delta_test.c"

int main(int argc, char **argv) {
	size_t len;
	lvj_arena *arena;
	lvj *doc;
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], seed[32];
	if (argc != 2 && argc != 3) {
		fputs("usage: test_verify VECTORS_JSON [DEPLOYMENT_VECTORS_JSON]\n", stderr);
		return 64;
	}
	if (lv_init() != LV_OK) return 1;
	char *text = slurp(argv[1], &len);
	if (!text || lvj_parse(text, len, &arena, &doc) != LVJ_OK) {
		fprintf(stderr, "cannot read %s\n", argv[1]);
		return 66;
	}
	const char *pem = str_of(doc, "public_key_pem"), *revs = str_of(doc, "revocations");
	lvj_field_int(doc, "now_unix", &now);
	sodium_hex2bin(seed, sizeof seed, str_of(doc, "seed"), 64, NULL, NULL, NULL);
	crypto_sign_seed_keypair(pk, sk, seed);
	snprintf(key_id, sizeof key_id, "%s", str_of(doc, "key_id"));
	snprintf(tmpdir, sizeof tmpdir, "/tmp/lv-test.XXXXXX");
	if (!mkdtemp(tmpdir)) return 1;
	CHECK_ERR(lv_keyring_parse(pem, strlen(pem), &keys), LV_OK, "the vectors' key");
	CHECK_ERR(lv_revocations_parse(keys, revs, strlen(revs), &file_list), LV_OK, "the vectors' list");
	test_vectors(doc);
	test_alg_ed25519(doc);
	test_binding();
	test_revocations();
	test_state();
	test_keyrings(pem);
	test_claims_as_go_reads_them();
	const lvj *vectors;
	lvj_field_type(doc, "vectors", LVJ_ARR, &vectors);
	test_malformed(str_of(vectors->child, "code"));
	char dep_path[4096];
	const char *slash = strrchr(argv[1], '/');
	snprintf(dep_path, sizeof dep_path, "%.*sdeployment_vectors.json", slash ? (int)(slash - argv[1] + 1) : 0, argv[1]);
	test_deployment(argc == 3 ? argv[2] : dep_path);
	char delta_path[4096];
	snprintf(delta_path, sizeof delta_path, "%.*srevocation_delta_vectors.json", slash ? (int)(slash - argv[1] + 1) : 0, argv[1]);
	test_revocation_delta(delta_path);
	lv_revocations_free(file_list);
	lv_keyring_free(keys);
	lvj_free(arena);
	free(text);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
