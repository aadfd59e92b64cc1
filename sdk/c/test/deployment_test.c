/*
 * Deployment binding (the "dep" claim), included by test_verify.c: every vector of
 * verifier/testdata/deployment_vectors.json (hashes, bound codes, the table of scripted machine changes),
 * "dep" decoded as the Go verifier decodes it, and deployments out of bounds.
 */

/* to_json appends the JSON text of v to b (room enough: the caller sizes it from the file). */
static size_t to_json(const lvj *v, char *b, size_t n) {
	switch (v->type) {
	case LVJ_NULL: return n + (size_t)sprintf(b + n, "null");
	case LVJ_TRUE: return n + (size_t)sprintf(b + n, "true");
	case LVJ_FALSE: return n + (size_t)sprintf(b + n, "false");
	case LVJ_NUM: return n + (size_t)sprintf(b + n, "%.*s", (int)v->n, v->s);
	case LVJ_STR:
		b[n++] = '"';
		for (size_t i = 0; i < v->n; i++) {
			unsigned char c = (unsigned char)v->s[i];
			if (c == '"' || c == '\\') b[n++] = '\\', b[n++] = (char)c;
			else if (c < 0x20) n += (size_t)sprintf(b + n, "\\u%04x", c);
			else b[n++] = (char)c;
		}
		b[n++] = '"';
		return n;
	default:
		b[n++] = v->type == LVJ_OBJ ? '{' : '[';
		for (const lvj *m = v->child; m; m = m->next) {
			if (m != v->child) b[n++] = ',';
			if (v->type == LVJ_OBJ) {
				lvj key = {LVJ_STR, m->name, m->name_len, NULL, 0, NULL, NULL};
				n = to_json(&key, b, n);
				b[n++] = ':';
			}
			n = to_json(m, b, n);
		}
		b[n++] = v->type == LVJ_OBJ ? '}' : ']';
		b[n] = 0;
		return n;
	}
}

/* deployment_of parses the JSON value v as a deployment; *d is NULL unless LV_OK. */
static lv_err deployment_of(const lvj *v, lv_deployment **d) {
	char buf[8192];
	size_t n = to_json(v, buf, 0);
	buf[n] = 0;
	return lv_deployment_parse(buf, n, d);
}

static lv_keyring *dep_keys;
static int64_t dep_now;

/* dep_outcome checks code with the vectors' options and the deployment dv (NULL: none), twice: the
 * outcome, or LV_DEPLOYMENT_ERROR when the deployment is refused. */
static lv_err dep_outcome(const lvj *options, const char *code, const lvj *dv, const char *name) {
	lv_deployment *d = NULL;
	lv_options o;
	lv_verifier *v;
	const char *prod[] = {str_of(options, "product")}, *sku[] = {str_of(options, "sku")};
	if (dv) {
		lv_err err = deployment_of(dv, &d);
		if (err != LV_OK) return err;
	}
	lv_options_init(&o);
	o.issuer = str_of(options, "issuer"), o.products = prod, o.n_products = 1, o.skus = sku, o.n_skus = 1;
	o.deployment = d;
	CHECK_ERR(lv_verifier_new(dep_keys, &o, &v), LV_OK, name);
	lv_err first = lv_verify_at(v, code, strlen(code), dep_now, NULL), again = lv_verify_at(v, code, strlen(code), dep_now, NULL);
	CHECK(first == again, "%s: %s, then %s", name, lv_reason_name(first), lv_reason_name(again));
	lv_verifier_free(v);
	lv_deployment_free(d);
	return first;
}

static const lvj *named(const lvj *list, const char *name) {
	for (const lvj *v = list ? list->child : NULL; v; v = v->next)
		if (!strcmp(str_of(v, "name"), name)) return v;
	return NULL;
}

static void test_dep_hashes(const lvj *dv) {
	const lvj *hashes;
	int count = 0;
	lvj_field_type(dv, "hashes", LVJ_ARR, &hashes);
	for (const lvj *h = hashes ? hashes->child : NULL; h; h = h->next, count++) {
		unsigned char salt[LV_DEPLOYMENT_SALT_LEN];
		size_t n = 0;
		const char *name = str_of(h, "name"), *value = "", *s = str_of(h, "salt");
		char hash[LV_DEPLOYMENT_HASH_CHARS + 1], norm[1024];
		lvj_field_str(h, "value", &value, &n);
		sodium_base642bin(salt, sizeof salt, s, strlen(s), NULL, NULL, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		size_t m = lv_deployment_normalize(name, value, n, norm);
		CHECK(m == strlen(str_of(h, "normalized")) && !strcmp(norm, str_of(h, "normalized")), "normalize %s %s: got %s", name, value, norm);
		lv_deployment_hash(salt, name, value, n, hash);
		CHECK(!strcmp(hash, str_of(h, "hash")), "hash %s %s: got %s, want %s", name, value, hash, str_of(h, "hash"));
	}
	CHECK(count >= 10, "hash vectors: got %d", count);
}

static void test_dep_codes(const lvj *dv) {
	const lvj *codes, *options, *want, *d;
	int count = 0;
	lvj_field_type(dv, "codes", LVJ_ARR, &codes);
	lvj_field_type(dv, "options", LVJ_OBJ, &options);
	for (const lvj *c = codes ? codes->child : NULL; c; c = c->next, count++) {
		lvj_field_type(c, "want", LVJ_OBJ, &want);
		d = NULL;
		for (const lvj *m = c->child; m; m = m->next)
			if (!strcmp(m->name, "deployment")) d = m;
		lv_err err = dep_outcome(options, str_of(c, "code"), d, str_of(c, "name"));
		CHECK(!strcmp(lv_reason_name(err), str_of(want, "reason")), "code vector %s: got %s, want %s", str_of(c, "name"),
		      lv_reason_name(err), str_of(want, "reason"));
		int64_t exit_status = -1;
		lvj_field_int(want, "exit", &exit_status);
		CHECK(lv_exit_status(err) == exit_status, "code vector %s: exit %d, want %lld", str_of(c, "name"), lv_exit_status(err),
		      (long long)exit_status);
	}
	CHECK(count > 20, "code vectors: got %d", count);
}

/* dep_of returns the dep claim of code, verified without a deployment; free() it. */
static lv_dep *dep_of(const char *code) {
	lv_options o;
	lv_verifier *v;
	lv_result res;
	lv_dep *d = NULL;
	lv_options_init(&o);
	o.any_product = 1;
	lv_verifier_new(dep_keys, &o, &v);
	CHECK_ERR(lv_verify_at(v, code, strlen(code), dep_now, &res), LV_OK, "a bound code without a deployment");
	if (res.claims.dep) d = malloc(sizeof *d), memcpy(d, res.claims.dep, sizeof *d);
	lv_result_free(&res);
	lv_verifier_free(v);
	return d;
}

static void test_dep_changes(const lvj *dv) {
	const lvj *changes, *machines, *options, *want, *d;
	int count = 0;
	lvj_field_type(dv, "changes", LVJ_ARR, &changes);
	lvj_field_type(dv, "machines", LVJ_ARR, &machines);
	lvj_field_type(dv, "options", LVJ_OBJ, &options);
	for (const lvj *s = changes ? changes->child : NULL; s; s = s->next, count++) {
		const lvj *m = named(machines, str_of(s, "machine"));
		int64_t match = 0, want_matched = -1, want_needed = -1, needed = -1;
		int valid = 0;
		size_t matched = 0;
		lv_deployment *local = NULL;
		lvj_field_type(s, "want", LVJ_OBJ, &want);
		lvj_field_type(s, "deployment", LVJ_OBJ, &d);
		lvj_field_bool(want, "valid", &valid);
		lvj_field_int(s, "matched", &want_matched);
		lvj_field_int(s, "needed", &want_needed);
		lvj_field_int(m, "match", &match);
		lv_err err = dep_outcome(options, str_of(m, "code"), d, str_of(s, "name"));
		CHECK(!strcmp(lv_reason_name(err), str_of(want, "reason")), "change %s: got %s, want %s", str_of(s, "name"),
		      lv_reason_name(err), str_of(want, "reason"));
		lv_dep *c = dep_of(str_of(m, "code"));
		CHECK(c && c->k == match, "change %s: k", str_of(s, "name"));
		CHECK_ERR(deployment_of(d, &local), LV_OK, str_of(s, "name"));
		int ok = c && local && lv_dep_matches(c, local, &matched, &needed);
		CHECK(ok == valid && (int64_t)matched == want_matched && needed == want_needed, "change %s: matches %d %zu of %lld, want %d %lld of %lld",
		      str_of(s, "name"), ok, matched, (long long)needed, valid, (long long)want_matched, (long long)want_needed);
		lv_deployment_free(local);
		free(c);
	}
	CHECK(count >= 10, "machine changes: got %d", count);
}

/* payload_of returns the decoded claims of code; free() it. */
static char *payload_of(const char *code) {
	const char *p = strchr(code, '.') + 1, *end = strrchr(code, '.');
	char *out = calloc(1, (size_t)(end - p) + 1);
	sodium_base642bin((unsigned char *)out, (size_t)(end - p), p, (size_t)(end - p), NULL, NULL, NULL,
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

static void test_dep_decoding(const lvj *dv) {
	const lvj *machines, *bound_dep;
	lvj_field_type(dv, "machines", LVJ_ARR, &machines);
	lvj_field_type(machines->child, "bound", LVJ_OBJ, &bound_dep);
	const char *code = str_of(machines->child, "code");
	char *payload = payload_of(code), *at = strstr(payload, ",\"dep\":");
	lv_dep *real = dep_of(code);
	lv_deployment *bound_d = NULL, *other = NULL;
	lv_result res;
	lv_options o;
	lv_verifier *v;
	CHECK_ERR(deployment_of(bound_dep, &bound_d), LV_OK, "the bound deployment");
	static const char other_json[] = "{\"id\":\"x\",\"components\":{\"machine_id\":\"nope\"}}";
	CHECK_ERR(lv_deployment_parse(other_json, strlen(other_json), &other), LV_OK, "another");
	/* the claims in the issuer's form */
	lv_options_init(&o);
	o.any_product = 1, o.deployment = bound_d;
	lv_verifier_new(dep_keys, &o, &v);
	CHECK_ERR(lv_verify_at(v, code, strlen(code), dep_now, &res), LV_OK, "the bound code on its machine");
	char *json = lv_claims_json(&res.claims);
	CHECK(json && !strcmp(json, payload), "claims json: %s", json);
	free(json);
	lv_result_free(&res);
	lv_verifier_free(v);
	/* member names fold, objects merge, null as in Go */
	char base[1024], full[2048], first[128], second[2200], cj[2048];
	size_t bl = (size_t)(at - payload);
	snprintf(base, sizeof base, "%.*s", (int)bl, payload);
	snprintf(full, sizeof full, "%.*s", (int)(strlen(at + 7) - 1), at + 7);
	const char *c0 = strstr(full, "\"c\":") + 4, *c1 = strstr(full, ",\"k\":");
	snprintf(cj, sizeof cj, "%.*s", (int)(c1 - c0), c0);
	snprintf(first, sizeof first, "{\"S\":\"%s\",\"iD\":\"%s\"}", real->salt, real->id);
	snprintf(second, sizeof second, ",\"dep\":{\"C\":%s,\"\xe2\x84\xaa\":%lld}", cj, (long long)real->k);
	char k_str[2200], k_float[2200], c_str[256];
	snprintf(k_str, sizeof k_str, "%.*s\"3\"}", (int)(strstr(full, "\"k\":3") + 4 - full), full);
	snprintf(k_float, sizeof k_float, "%.*s3.0}", (int)(strstr(full, "\"k\":3") + 4 - full), full);
	snprintf(c_str, sizeof c_str, "{\"s\":\"%s\",\"id\":\"%s\",\"c\":{\"mac\":\"%s\"},\"k\":1}", real->salt, real->id, real->id);
	struct {
		const char *a, *b, *c;
		const lv_deployment *d;
		lv_err want;
	} cases[] = {
		{",\"DEP\":", full, "", bound_d, LV_OK},
		{",\"DEP\":", full, "", other, LV_WRONG_DEPLOYMENT},
		{",\"dep\":", first, second, other, LV_WRONG_DEPLOYMENT}, /* merged */
		{",\"dep\":", first, second, bound_d, LV_OK},
		{",\"dep\":", full, ",\"dep\":null", other, LV_OK},                      /* null: absent */
		{",\"dep\":", full, ",\"dep\":{\"c\":null}", other, LV_MALFORMED},       /* c cleared, k stays */
		{",\"dep\":", full, ",\"dep\":{\"s\":null,\"k\":null}", other, LV_WRONG_DEPLOYMENT}, /* null keeps */
		{",\"dep\":", "[]", "", NULL, LV_MALFORMED},
		{",\"dep\":", "\"x\"", ",\"dep\":null", NULL, LV_MALFORMED}, /* a type error, though overridden */
		{",\"dep\":", k_str, "", NULL, LV_MALFORMED},
		{",\"dep\":", k_float, "", NULL, LV_MALFORMED},
		{",\"dep\":", c_str, "", NULL, LV_MALFORMED},
		{",\"dep\":", "{\"s\":\"AAECAwQFBgcICQoLDA0OD\\u0000\",\"id\":\"Kjq5wFGw_pgc7C6khjhTMg\"}", "", NULL, LV_MALFORMED},
		{",\"dep\":", "{\"s\":\"AAECAwQFBgcICQoLDA0ODw\",\"id\":\"Kjq5wFGw_pgc7C6khjhTMg\",\"k\":0,\"c\":{}}", "", NULL, LV_OK},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char text[8192];
		snprintf(text, sizeof text, "%s%s%s%s}", base, cases[i].a, cases[i].b, cases[i].c);
		char *signed_code = code_json(text);
		lv_options_init(&o);
		o.any_product = 1, o.deployment = cases[i].d;
		lv_verifier_new(dep_keys, &o, &v);
		lv_err err = lv_verify_at(v, signed_code, strlen(signed_code), dep_now, NULL);
		CHECK(err == cases[i].want, "dep case %zu (%s%s): got %s, want %s", i, cases[i].b, cases[i].c, lv_reason_name(err),
		      lv_reason_name(cases[i].want));
		lv_verifier_free(v);
		free(signed_code);
	}
	lv_deployment_free(bound_d);
	lv_deployment_free(other);
	free(real);
	free(payload);
}

static void test_deployment_bounds(void) {
	static const char *bad[] = {
		"\"\"", "\" \"", "\"a\\u0000b\"", "null", "7", "[\"x\"]", "{", "{\"id\":7}", "{\"id\":\"x\",\"components\":[]}",
		"{\"id\":\"x\",\"components\":{\"MAC\":\"1\"}}", "{\"id\":\"x\",\"components\":{\"mac\":\"::\"}}",
		"{\"id\":\"x\",\"components\":{\"mac\":[]}}", "{\"id\":\"x\",\"components\":{\"disk\":null}}",
		"{\"id\":\"x\",\"components\":{\"disk\":7}}", "{\"id\":\"x\",\"components\":{\"disk\":[\"\"]}}",
		"{\"id\":\"x\",\"components\":{\"disk\":[\"a\\u0085b\"]}}",
		"{\"id\":\"x\",\"components\":{\"a\":\"1\",\"b\":\"1\",\"c\":\"1\",\"d\":\"1\",\"e\":\"1\",\"f\":\"1\",\"g\":\"1\","
		"\"h\":\"1\",\"i\":\"1\",\"j\":\"1\",\"k\":\"1\",\"l\":\"1\",\"m\":\"1\",\"n\":\"1\",\"o\":\"1\",\"p\":\"1\",\"q\":\"1\"}}",
		"{\"id\":\"x\",\"components\":{\"disk\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\",\"12\","
		"\"13\",\"14\",\"15\",\"16\",\"17\"]}}",
		"{\"id\":\"x\",\"components\":{\"disk\":\"1\"},\"components\":7}",
	};
	lv_deployment *d = NULL;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		CHECK_ERR(lv_deployment_parse(bad[i], strlen(bad[i]), &d), LV_DEPLOYMENT_ERROR, bad[i]);
		CHECK(d == NULL, "%s: a deployment left", bad[i]);
	}
	/* Go's merging of repeated "components": the later member of a name wins, null clears. */
	static const char *good[] = {
		"{\"id\":\"x\",\"components\":{\"disk\":\"a\\u0000\"},\"components\":{\"disk\":\"b\"}}",
		"{\"id\":\"x\",\"components\":{\"disk\":7},\"components\":null}",
		"{\"ID\":\" x\\n\",\"Components\":{\"hostname\":\"web-1\\n\",\"mac\":[\"A\",\"B\"]}}",
		"\"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\"",
	};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		CHECK_ERR(lv_deployment_parse(good[i], strlen(good[i]), &d), LV_OK, good[i]);
		lv_deployment_free(d);
	}
	char id[3 * LV_MAX_DEPLOYMENT_ID_LEN + 8];
	memset(id, 0, sizeof id);
	for (int i = 0; i < LV_MAX_DEPLOYMENT_ID_LEN; i++) memcpy(id + 3 * i, "\xe4\xb8\xbb", 3); /* 1024 characters of 3 bytes */
	CHECK_ERR(lv_deployment_new(id, &d), LV_OK, "1024 characters");
	CHECK_ERR(lv_deployment_add(d, "disk", "s"), LV_OK, "a disk");
	CHECK_ERR(lv_deployment_add(d, "Disk", "s"), LV_DEPLOYMENT_ERROR, "a bad name");
	CHECK_ERR(lv_deployment_add(d, "disk", " \t"), LV_DEPLOYMENT_ERROR, "an empty value");
	CHECK_ERR(lv_deployment_add(d, "disk", "a\x01" "b"), LV_DEPLOYMENT_ERROR, "a control character");
	CHECK_ERR(lv_deployment_add(d, "disk", "a\xff"), LV_DEPLOYMENT_ERROR, "not UTF-8");
	CHECK_ERR(lv_deployment_add(d, "disk", "\xed\xa0\x80"), LV_DEPLOYMENT_ERROR, "a surrogate");
	for (int i = 1; i < LV_MAX_COMPONENT_VALUES; i++) CHECK_ERR(lv_deployment_add(d, "disk", "s"), LV_OK, "disk values");
	CHECK_ERR(lv_deployment_add(d, "disk", "s"), LV_DEPLOYMENT_ERROR, "a 17th value");
	CHECK_ERR(lv_deployment_add(NULL, "disk", "s"), LV_ERR_INVALID_ARGUMENT, "no deployment");
	lv_deployment_free(d);
	memcpy(id + 3 * LV_MAX_DEPLOYMENT_ID_LEN, "x", 2);
	CHECK_ERR(lv_deployment_new(id, &d), LV_DEPLOYMENT_ERROR, "1025 characters");
	CHECK(d == NULL, "1025 characters: a deployment left");
	CHECK(!strcmp(lv_reason_name(LV_WRONG_DEPLOYMENT), "wrong_deployment") && lv_exit_status(LV_WRONG_DEPLOYMENT) == 8,
	      "wrong_deployment: name and exit");
	CHECK(!strcmp(lv_reason_name(LV_DEPLOYMENT_ERROR), "deployment_error") && lv_exit_status(LV_DEPLOYMENT_ERROR) == 66,
	      "deployment_error: name and exit");
}

/* test_deployment runs the deployment tests on the vectors file at path. */
static void test_deployment(const char *path) {
	size_t len;
	lvj_arena *arena;
	lvj *dv;
	char *text = slurp(path, &len);
	if (!text || lvj_parse(text, len, &arena, &dv) != LVJ_OK) {
		CHECK(0, "cannot read %s", path);
		free(text);
		return;
	}
	const char *pem = str_of(dv, "public_key_pem");
	CHECK_ERR(lv_keyring_parse(pem, strlen(pem), &dep_keys), LV_OK, "the deployment vectors' key");
	lvj_field_int(dv, "now_unix", &dep_now);
	test_dep_hashes(dv);
	test_dep_codes(dv);
	test_dep_changes(dv);
	test_dep_decoding(dv);
	test_deployment_bounds();
	lv_keyring_free(dep_keys);
	lvj_free(arena);
	free(text);
}
