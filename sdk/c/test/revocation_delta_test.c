/*
 * Revocation documents (a whole list, then deltas), included by test_verify.c: every vector of
 * verifier/testdata/revocation_delta_vectors.json, parsed as a whole (lv_revocations_parse) or an answer
 * added to a document (lv_revocations_append), and the compaction rule (lv_revocations_compact_due).
 */

static const struct {
	const char *go;
	lv_err err;
} delta_errors[] = {
	{"ErrMalformed", LV_MALFORMED}, {"ErrWrongType", LV_WRONG_TYPE}, {"ErrAlgorithm", LV_WRONG_ALGORITHM},
	{"ErrUnknownKey", LV_UNKNOWN_KEY}, {"ErrSignature", LV_BAD_SIGNATURE}, {"ErrStaleList", LV_STALE_LIST},
};

/* want_err returns the lv_err of a vector's "want": LV_OK when valid. */
static lv_err want_err(const lvj *want, const char *name) {
	int valid = 0;
	if (lvj_field_bool(want, "valid", &valid) && valid) return LV_OK;
	const char *go = str_of(want, "error");
	for (size_t i = 0; i < sizeof delta_errors / sizeof *delta_errors; i++)
		if (!strcmp(go, delta_errors[i].go)) {
			CHECK(!strcmp(lv_reason_name(delta_errors[i].err), str_of(want, "reason")), "%s: reason %s", name, str_of(want, "reason"));
			return delta_errors[i].err;
		}
	CHECK(0, "%s: unknown error %s", name, go);
	return LV_ERR_INVALID_ARGUMENT;
}

/* check_list compares l with the vector's iat and min_gen (absent: empty). */
static void check_list(const lv_revocations *l, const lvj *want, const char *name) {
	int64_t iat = 0, g;
	const lvj *gens;
	size_t n = 0;
	lvj_field_int(want, "iat", &iat);
	CHECK(lv_revocations_issued_at(l) == iat, "%s: iat %lld, want %lld", name, (long long)lv_revocations_issued_at(l), (long long)iat);
	lvj_field_type(want, "min_gen", LVJ_OBJ, &gens);
	for (const lvj *e = gens ? gens->child : NULL; e; e = e->next, n++) {
		lvj_int(e, &g);
		CHECK(lv_revocations_min_gen(l, e->name) == g, "%s: min_gen[%s] %lld, want %lld", name, e->name,
		      (long long)lv_revocations_min_gen(l, e->name), (long long)g);
	}
	CHECK(lv_revocations_count(l) == n, "%s: %zu entries, want %zu", name, lv_revocations_count(l), n);
}

/* doc_text returns the vector's whole document (document, then repeat.line and LF repeat.times times); free() it. */
static char *doc_text(const lvj *v, size_t *len) {
	const char *d = str_of(v, "document");
	const lvj *rep;
	int64_t times = 0;
	const char *line = "";
	lvj_field_type(v, "repeat", LVJ_OBJ, &rep);
	if (rep) line = str_of(rep, "line"), lvj_field_int(rep, "times", &times);
	size_t dn = strlen(d), ln = strlen(line);
	char *out = malloc(dn + (size_t)times * (ln + 1) + 1);
	memcpy(out, d, dn);
	*len = dn;
	for (int64_t k = 0; k < times; k++) {
		memcpy(out + *len, line, ln);
		*len += ln;
		out[(*len)++] = '\n';
	}
	out[*len] = 0;
	return out;
}

static void test_revocation_delta(const char *path) {
	size_t len, n = 0;
	lvj_arena *arena;
	lvj *doc;
	const lvj *docs, *apps;
	lv_keyring *kr;
	char *text = slurp(path, &len);
	if (!text || lvj_parse(text, len, &arena, &doc) != LVJ_OK) {
		CHECK(0, "cannot read %s", path);
		free(text);
		return;
	}
	const char *pem = str_of(doc, "public_key_pem");
	int64_t max_deltas = 0;
	lvj_field_int(doc, "max_deltas", &max_deltas);
	CHECK(max_deltas == LV_MAX_REVOCATION_DELTAS, "max_deltas %lld", (long long)max_deltas);
	CHECK_ERR(lv_keyring_parse(pem, strlen(pem), &kr), LV_OK, "the delta vectors' key");
	lvj_field_type(doc, "documents", LVJ_ARR, &docs);
	lvj_field_type(doc, "appends", LVJ_ARR, &apps);
	for (const lvj *v = docs ? docs->child : NULL; v; v = v->next, n++) {
		const char *name = str_of(v, "name");
		const lvj *want;
		lvj_field_type(v, "want", LVJ_OBJ, &want);
		size_t dl;
		char *d = doc_text(v, &dl);
		lv_revocations *l = NULL;
		lv_err err = lv_revocations_parse(kr, d, dl, &l);
		CHECK_ERR(err, want_err(want, name), name);
		if (err == LV_OK) check_list(l, want, name);
		CHECK(err == LV_OK || l == NULL, "%s: a list with an error", name);
		lv_revocations_free(l);
		free(d);
	}
	CHECK(n >= 29, "documents: %zu, want the whole file", n);
	n = 0;
	for (const lvj *a = apps ? apps->child : NULL; a; a = a->next, n++) {
		const char *name = str_of(a, "name"), *d = str_of(a, "document"), *body = str_of(a, "body");
		const lvj *want;
		lvj_field_type(a, "want", LVJ_OBJ, &want);
		char *out = NULL;
		size_t out_len = 0;
		lv_revocations *l = NULL;
		lv_err err = lv_revocations_append(kr, *d ? d : NULL, strlen(d), body, strlen(body), &out, &out_len, &l);
		CHECK_ERR(err, want_err(want, name), name);
		if (err == LV_OK) {
			const char *wd = str_of(a, "want_document");
			CHECK(out_len == strlen(wd) && !memcmp(out, wd, out_len) && out[out_len] == 0, "%s: document %s", name, out);
			check_list(l, want, name);
			lv_revocations *again = NULL;
			CHECK_ERR(lv_revocations_parse(kr, out, out_len, &again), LV_OK, name);
			if (again) check_list(again, want, name);
			lv_revocations_free(again);
		} else {
			CHECK(!out && !l && !out_len, "%s: output with an error", name);
		}
		free(out);
		lv_revocations_free(l);
	}
	CHECK(n >= 9, "appends: %zu, want the whole file", n);

	/* The compaction rule reads lines without verifying them: a first line of 1000 bytes, shorter deltas. */
	size_t big = 5000 + 2 * LV_MAX_REVOCATION_DELTAS + 16;
	char *t = malloc(big);
	CHECK(lv_revocations_compact_due(NULL, 0), "no document is due");
	CHECK(lv_revocations_compact_due(" \n\r\n", 4), "white space is due");
	memset(t, 'L', 1000), t[1000] = '\n';
	CHECK(!lv_revocations_compact_due(t, 1001), "a list alone");
	memset(t + 1001, 'd', 500), memcpy(t + 1501, "\n \t", 3), memset(t + 1504, 'd', 500), memcpy(t + 2004, "\r\n", 2);
	CHECK(!lv_revocations_compact_due(t, 2006), "deltas as long as the list");
	memset(t + 1001, 'd', 500), t[1501] = '\n', memset(t + 1502, 'd', 501), t[2003] = '\n';
	CHECK(lv_revocations_compact_due(t, 2004), "deltas a byte longer than the list");
	memset(t, 'L', 5000), t[5000] = '\n';
	size_t k = 5001;
	for (int i = 0; i < LV_MAX_REVOCATION_DELTAS - 1; i++) t[k++] = 'x', t[k++] = '\n';
	CHECK(!lv_revocations_compact_due(t, k), "one delta fewer than the most");
	t[k++] = 'x', t[k++] = '\n';
	CHECK(lv_revocations_compact_due(t, k), "the most deltas");
	free(t);

	/* Bounds: the lengths are checked before anything is read. */
	lv_revocations *l = NULL;
	char *out = NULL;
	size_t out_len;
	CHECK_ERR(lv_revocations_parse(kr, "x", LV_MAX_REVOCATION_DOCUMENT_SIZE + 1, &l), LV_MALFORMED, "a document too long");
	CHECK_ERR(lv_revocations_append(kr, NULL, 0, "x", LV_MAX_REVOCATION_LIST_SIZE + 1, &out, &out_len, &l), LV_MALFORMED,
	          "an answer too long");
	CHECK_ERR(lv_revocations_append(kr, NULL, 0, "a.b.c\na.b.c", 11, &out, &out_len, &l), LV_MALFORMED, "an answer of two lines");
	CHECK_ERR(lv_revocations_append(kr, NULL, 0, "", 0, &out, &out_len, &l), LV_MALFORMED, "an empty answer");
	CHECK_ERR(lv_revocations_append(kr, NULL, 0, "a.b.c", 5, NULL, &out_len, &l), LV_ERR_INVALID_ARGUMENT, "no output");
	lv_keyring_free(kr);
	lvj_free(arena);
	free(text);
}
