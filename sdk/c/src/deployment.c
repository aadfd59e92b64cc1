/* Deployment binding: the local deployment, its hashes, and the "dep" claim (verifier/doc.go, "Deployment
 * binding"). */
#include "internal.h"
#include "json.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPLOYMENT_JSON (1 << 20)

struct lv_deployment {
	char *id;
	size_t id_len;
	size_t n;
	struct component {
		char name[LV_MAX_COMPONENT_NAME_LEN + 1];
		size_t n;
		char *vals[LV_MAX_COMPONENT_VALUES];
		size_t lens[LV_MAX_COMPONENT_VALUES];
	} comps[LV_MAX_COMPONENTS];
};

/* ---- UTF-8, white space, normalization ---- */

/* rune_at decodes the rune at s[0, n) (n > 0) into *cp and returns its width; an invalid byte is one
 * rune of width 1 with *cp = 0xFFFFFFFF, as Go's utf8.DecodeRune counts it. */
static size_t rune_at(const unsigned char *s, size_t n, unsigned *cp) {
	unsigned char c = s[0];
	size_t want;
	unsigned lo = 0x80, hi = 0xBF, v;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) want = 2, v = c & 0x1Fu;
	else if (c >= 0xE0 && c <= 0xEF) {
		want = 3, v = c & 0x0Fu;
		if (c == 0xE0) lo = 0xA0;
		if (c == 0xED) hi = 0x9F; /* no surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		want = 4, v = c & 0x07u;
		if (c == 0xF0) lo = 0x90;
		if (c == 0xF4) hi = 0x8F;
	} else {
		*cp = 0xFFFFFFFFu;
		return 1;
	}
	if (n < want || s[1] < lo || s[1] > hi) {
		*cp = 0xFFFFFFFFu;
		return 1;
	}
	for (size_t k = 1; k < want; k++) {
		if (k > 1 && (s[k] < 0x80 || s[k] > 0xBF)) {
			*cp = 0xFFFFFFFFu;
			return 1;
		}
		v = v << 6 | (s[k] & 0x3Fu);
	}
	*cp = v;
	return want;
}

/* is_space is Go's unicode.IsSpace. */
static int is_space(unsigned cp) {
	switch (cp) {
	case '\t': case '\n': case '\v': case '\f': case '\r': case ' ': case 0x85: case 0xA0: case 0x1680:
	case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
		return 1;
	default:
		return cp >= 0x2000 && cp <= 0x200A;
	}
}

/* trim sets [*from, *to) to s[0, n) without white space at both ends. */
static void trim(const unsigned char *s, size_t n, size_t *from, size_t *to) {
	size_t i = 0, end = 0;
	unsigned cp;
	*from = n;
	while (i < n) {
		size_t w = rune_at(s + i, n - i, &cp);
		if (!is_space(cp)) {
			if (*from == n) *from = i;
			end = i + w;
		}
		i += w;
	}
	*to = *from == n ? n : end;
}

static size_t rune_count(const unsigned char *s, size_t n) {
	size_t count = 0;
	unsigned cp;
	for (size_t i = 0; i < n; count++) i += rune_at(s + i, n - i, &cp);
	return count;
}

/* printable reports whether the trimmed s[0, n) is UTF-8 without a control character. */
static int printable(const unsigned char *s, size_t n) {
	size_t i, to;
	unsigned cp;
	trim(s, n, &i, &to);
	while (i < to) {
		i += rune_at(s + i, to - i, &cp);
		if (cp == 0xFFFFFFFFu || cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) return 0;
	}
	return 1;
}

/* normalized calls out(ctx, chunk, len) with the normalized form of value, a piece at a time. */
static void normalized(const char *name, const unsigned char *s, size_t n, void (*out)(void *, const unsigned char *, size_t),
                       void *ctx) {
	unsigned char buf[64];
	size_t i, to, k = 0;
	int mac = !strcmp(name, "mac");
	trim(s, n, &i, &to);
	for (; i < to; i++) {
		unsigned char c = s[i];
		if (c >= 'A' && c <= 'Z') c = (unsigned char)(c + ('a' - 'A'));
		else if (mac && (c == ':' || c == '-' || c == '.')) continue;
		buf[k++] = c;
		if (k == sizeof buf) out(ctx, buf, k), k = 0;
	}
	if (k) out(ctx, buf, k);
}

struct sink {
	char *p;
	size_t n;
};

static void to_buffer(void *ctx, const unsigned char *b, size_t n) {
	struct sink *s = ctx;
	memcpy(s->p + s->n, b, n);
	s->n += n;
}

size_t lv_deployment_normalize(const char *name, const char *value, size_t len, char *out) {
	struct sink s = {out, 0};
	normalized(name, (const unsigned char *)value, len, to_buffer, &s);
	out[s.n] = 0;
	return s.n;
}

static size_t normalized_len(const char *name, const char *value, size_t len) {
	size_t i, to, n = 0;
	int mac = !strcmp(name, "mac");
	trim((const unsigned char *)value, len, &i, &to);
	for (; i < to; i++) n += !(mac && (value[i] == ':' || value[i] == '-' || value[i] == '.'));
	return n;
}

static void to_hash(void *ctx, const unsigned char *b, size_t n) { crypto_hash_sha256_update(ctx, b, n); }

void lv_deployment_hash(const unsigned char salt[LV_DEPLOYMENT_SALT_LEN], const char *name, const char *value, size_t len,
                        char out[LV_DEPLOYMENT_HASH_CHARS + 1]) {
	crypto_hash_sha256_state st;
	unsigned char sum[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, salt, LV_DEPLOYMENT_SALT_LEN);
	crypto_hash_sha256_update(&st, (const unsigned char *)name, strlen(name) + 1); /* with its NUL: the 0x00 */
	normalized(name, (const unsigned char *)value, len, to_hash, &st);
	crypto_hash_sha256_final(&st, sum);
	sodium_bin2base64(out, LV_DEPLOYMENT_HASH_CHARS + 1, sum, 16, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* ---- the local deployment ---- */

static int valid_name(const char *s, size_t n) {
	if (n == 0 || n > LV_MAX_COMPONENT_NAME_LEN || s[0] < 'a' || s[0] > 'z') return 0;
	for (size_t k = 1; k < n; k++)
		if ((s[k] < 'a' || s[k] > 'z') && (s[k] < '0' || s[k] > '9') && s[k] != '_') return 0;
	return 1;
}

static lv_err new_n(const char *id, size_t n, lv_deployment **out) {
	size_t from, to;
	*out = NULL;
	trim((const unsigned char *)id, n, &from, &to);
	if (from == to || rune_count((const unsigned char *)id, n) > LV_MAX_DEPLOYMENT_ID_LEN ||
	    !printable((const unsigned char *)id, n))
		return LV_DEPLOYMENT_ERROR;
	lv_deployment *d = calloc(1, sizeof *d);
	if (!d || !(d->id = malloc(n + 1))) {
		free(d);
		return LV_ERR_NO_MEMORY;
	}
	memcpy(d->id, id, n);
	d->id[n] = 0, d->id_len = n;
	*out = d;
	return LV_OK;
}

static lv_err add_n(lv_deployment *d, const char *name, size_t name_len, const char *v, size_t n) {
	struct component *c = NULL;
	if (!valid_name(name, name_len) || normalized_len(name, v, n) == 0 ||
	    rune_count((const unsigned char *)v, n) > LV_MAX_COMPONENT_LEN || !printable((const unsigned char *)v, n))
		return LV_DEPLOYMENT_ERROR;
	for (size_t i = 0; i < d->n && !c; i++)
		if (!strcmp(d->comps[i].name, name)) c = &d->comps[i];
	if (!c) {
		if (d->n == LV_MAX_COMPONENTS) return LV_DEPLOYMENT_ERROR;
		c = &d->comps[d->n];
		memcpy(c->name, name, name_len);
		c->name[name_len] = 0, c->n = 0;
	}
	if (c->n == LV_MAX_COMPONENT_VALUES) return LV_DEPLOYMENT_ERROR;
	if (!(c->vals[c->n] = malloc(n + 1))) return LV_ERR_NO_MEMORY;
	memcpy(c->vals[c->n], v, n);
	c->vals[c->n][n] = 0, c->lens[c->n++] = n;
	if (c == &d->comps[d->n]) d->n++;
	return LV_OK;
}

lv_err lv_deployment_new(const char *id, lv_deployment **out) {
	if (!out) return LV_ERR_INVALID_ARGUMENT;
	*out = NULL;
	if (!id) return LV_ERR_INVALID_ARGUMENT;
	return new_n(id, strlen(id), out);
}

lv_err lv_deployment_add(lv_deployment *d, const char *name, const char *value) {
	if (!d || !name || !value) return LV_ERR_INVALID_ARGUMENT;
	return add_n(d, name, strlen(name), value, strlen(value));
}

void lv_deployment_free(lv_deployment *d) {
	if (!d) return;
	for (size_t i = 0; i < d->n; i++)
		for (size_t k = 0; k < d->comps[i].n; k++) free(d->comps[i].vals[k]);
	free(d->id);
	free(d);
}

/* ---- Go's decoding of objects into maps, over repeated members ---- */

static int same_name(const lvj *a, const lvj *b) { return a->name_len == b->name_len && !memcmp(a->name, b->name, a->name_len); }

/* overridden reports whether a member after m in objs[i], or in a later object, has m's name: Go decodes
 * every object into one map, so the last member of a name wins. */
static int overridden(const lvj *const *objs, size_t n, size_t i, const lvj *m) {
	for (const lvj *x = m->next; x; x = x->next)
		if (same_name(x, m)) return 1;
	for (size_t k = i + 1; k < n; k++)
		for (const lvj *x = objs[k]->child; x; x = x->next)
			if (same_name(x, m)) return 1;
	return 0;
}

/* ---- the deployment's JSON form ---- */

/* value_ok reports whether a component's JSON value is a string, a list of strings (null entries read as
 * ""), or null (no value), as Go decodes it into []string. */
static int value_ok(const lvj *v) {
	if (v->type == LVJ_STR || v->type == LVJ_NULL) return 1;
	if (v->type != LVJ_ARR) return 0;
	for (const lvj *e = v->child; e; e = e->next)
		if (e->type != LVJ_STR && e->type != LVJ_NULL) return 0;
	return 1;
}

static lv_err add_json(lv_deployment *d, const lvj *m) {
	if (m->type == LVJ_NULL) return LV_DEPLOYMENT_ERROR; /* no value */
	if (m->type == LVJ_STR) return add_n(d, m->name, m->name_len, m->s, m->n);
	if (!m->child) return LV_DEPLOYMENT_ERROR;
	for (const lvj *e = m->child; e; e = e->next) {
		lv_err err = add_n(d, m->name, m->name_len, e->type == LVJ_STR ? e->s : "", e->type == LVJ_STR ? e->n : 0);
		if (err != LV_OK) return err;
	}
	return LV_OK;
}

/* from_json builds the deployment of the parsed document doc as Go's Deployment.UnmarshalJSON and
 * Validate do. */
static lv_err from_json(const lvj *doc, lv_deployment **out) {
	const char *id = "";
	size_t id_len = 0, n = 0, names = 0;
	const lvj *from, **objs = NULL;
	if (doc->type == LVJ_STR) return new_n(doc->s, doc->n, out);
	if (doc->type == LVJ_NULL) return LV_DEPLOYMENT_ERROR; /* no id */
	if (doc->type != LVJ_OBJ || !lvj_field_str(doc, "id", &id, &id_len)) return LV_DEPLOYMENT_ERROR;
	/* "components": the objects after the last null, merged */
	from = doc->child;
	for (const lvj *m = doc->child; m; m = m->next) {
		if (!lvj_folds(m->name, m->name_len, "components")) continue;
		if (m->type == LVJ_NULL) from = m->next, n = 0;
		else if (m->type != LVJ_OBJ) return LV_DEPLOYMENT_ERROR;
		else n++;
	}
	if (n && !(objs = calloc(n, sizeof *objs))) return LV_ERR_NO_MEMORY;
	n = 0;
	for (const lvj *m = from; m; m = m->next)
		if (lvj_folds(m->name, m->name_len, "components")) objs[n++] = m;
	lv_err err = LV_OK;
	for (size_t i = 0; i < n && err == LV_OK; i++)
		for (const lvj *m = objs[i]->child; m && err == LV_OK; m = m->next)
			if (!overridden(objs, n, i, m) && (++names > LV_MAX_COMPONENTS || !value_ok(m))) err = LV_DEPLOYMENT_ERROR;
	if (err == LV_OK) err = new_n(id, id_len, out);
	for (size_t i = 0; i < n && err == LV_OK; i++)
		for (const lvj *m = objs[i]->child; m && err == LV_OK; m = m->next)
			if (!overridden(objs, n, i, m)) err = add_json(*out, m);
	free(objs);
	if (err != LV_OK) {
		lv_deployment_free(*out);
		*out = NULL;
	}
	return err;
}

lv_err lv_deployment_parse(const char *json, size_t len, lv_deployment **out) {
	lvj_arena *arena;
	lvj *doc;
	if (!out) return LV_ERR_INVALID_ARGUMENT;
	*out = NULL;
	if (!json && len) return LV_ERR_INVALID_ARGUMENT;
	if (len > MAX_DEPLOYMENT_JSON) return LV_DEPLOYMENT_ERROR;
	int rc = lvj_parse(json ? json : "", len, &arena, &doc);
	if (rc == LVJ_NOMEM) return LV_ERR_NO_MEMORY;
	if (rc != LVJ_OK) return LV_DEPLOYMENT_ERROR;
	lv_err err = from_json(doc, out);
	lvj_free(arena);
	return err;
}

/* ---- the "dep" claim ---- */

/* decode16 reports whether s[0, n) is a salt or a hash: 22 base64url characters, the one encoding of 16
 * bytes (written to out, room for 17). */
static int decode16(const char *s, size_t n, unsigned char *out) {
	size_t got;
	return n == LV_DEPLOYMENT_HASH_CHARS && lv_b64url(s, n, out, &got) && got == 16;
}

/* dep_types_ok reports whether every member of the dep object o has the type Go needs to decode it. */
static int dep_types_ok(const lvj *o) {
	int64_t k;
	for (const lvj *m = o->child; m; m = m->next) {
		if (m->type == LVJ_NULL) continue;
		if (lvj_folds(m->name, m->name_len, "s") || lvj_folds(m->name, m->name_len, "id")) {
			if (m->type != LVJ_STR) return 0;
		} else if (lvj_folds(m->name, m->name_len, "k")) {
			if (!lvj_int(m, &k)) return 0;
		} else if (lvj_folds(m->name, m->name_len, "c")) {
			if (m->type != LVJ_OBJ) return 0;
			for (const lvj *e = m->child; e; e = e->next)
				if (e->type == LVJ_STR || !value_ok(e)) return 0; /* an array of strings, or null */
		}
	}
	return 1;
}

static int by_name(const void *a, const void *b) {
	return strcmp(((const lv_dep_component *)a)->name, ((const lv_dep_component *)b)->name);
}

/* well_formed fills d's components from the merged "c" objects and checks the claim (Go's wellFormed). */
static int well_formed(lv_dep *d, const lvj *const *cobjs, size_t n) {
	unsigned char raw[17];
	if (!decode16(d->salt, strlen(d->salt), raw) || !decode16(d->id, strlen(d->id), raw)) return 0;
	for (size_t i = 0; i < n; i++)
		for (const lvj *m = cobjs[i]->child; m; m = m->next) {
			if (overridden(cobjs, n, i, m)) continue;
			if (d->n_components == LV_MAX_COMPONENTS || !valid_name(m->name, m->name_len)) return 0;
			lv_dep_component *c = &d->components[d->n_components++];
			memcpy(c->name, m->name, m->name_len);
			for (const lvj *e = m->type == LVJ_ARR ? m->child : NULL; e; e = e->next) {
				if (c->n_hashes == LV_MAX_COMPONENT_VALUES || e->type != LVJ_STR || !decode16(e->s, e->n, raw)) return 0;
				memcpy(c->hashes[c->n_hashes++], e->s, e->n);
			}
			if (c->n_hashes == 0) return 0;
		}
	if (d->n_components == 0 ? d->k != 0 : d->k < 1 || d->k > (int64_t)d->n_components) return 0;
	qsort(d->components, d->n_components, sizeof *d->components, by_name);
	return 1;
}

lv_err lv_dep_decode(const lvj *doc, lv_dep **out) {
	const lvj *from = doc->child, *s = NULL, *id = NULL, **cobjs = NULL;
	size_t n_c = 0;
	int present = 0;
	*out = NULL;
	for (const lvj *m = doc->child; m; m = m->next) {
		if (!lvj_folds(m->name, m->name_len, "dep")) continue;
		if (m->type == LVJ_NULL) from = m->next;
		else if (m->type != LVJ_OBJ || !dep_types_ok(m)) return LV_MALFORMED;
	}
	lv_dep *d = calloc(1, sizeof *d);
	if (!d) return LV_ERR_NO_MEMORY;
	for (int pass = 0; pass < 2; pass++) { /* count every "c" object, then collect those after the last null */
		size_t n = 0;
		for (const lvj *m = from; m; m = m->next) {
			if (!lvj_folds(m->name, m->name_len, "dep")) continue;
			present = 1;
			for (const lvj *x = m->child; x; x = x->next) {
				if (!lvj_folds(x->name, x->name_len, "c")) {
					if (x->type == LVJ_NULL) continue; /* null leaves s, id and k as they were */
					if (lvj_folds(x->name, x->name_len, "s")) s = x;
					else if (lvj_folds(x->name, x->name_len, "id")) id = x;
					else if (lvj_folds(x->name, x->name_len, "k")) lvj_int(x, &d->k);
				} else if (x->type == LVJ_NULL) {
					if (pass) n = 0; /* clears the map */
				} else {
					if (pass) cobjs[n] = x; /* n is at most the count of the first pass */
					n++;
				}
			}
		}
		if (!pass) {
			if (n && !(cobjs = calloc(n, sizeof *cobjs))) {
				free(d);
				return LV_ERR_NO_MEMORY;
			}
		} else {
			n_c = n;
		}
	}
	if (!present) {
		free(d);
		return LV_OK;
	}
	if (s && s->n <= LV_DEPLOYMENT_HASH_CHARS) memcpy(d->salt, s->s, s->n);
	if (id && id->n <= LV_DEPLOYMENT_HASH_CHARS) memcpy(d->id, id->s, id->n);
	int ok = (!s || (s->n == strlen(d->salt))) && (!id || id->n == strlen(d->id)) && well_formed(d, cobjs, n_c);
	free(cobjs);
	if (!ok) {
		free(d);
		return LV_MALFORMED;
	}
	*out = d;
	return LV_OK;
}

int lv_dep_matches(const lv_dep *c, const lv_deployment *d, size_t *matched, int64_t *needed) {
	unsigned char salt[17];
	char h[LV_DEPLOYMENT_HASH_CHARS + 1];
	size_t got = 0;
	if (matched) *matched = 0;
	if (needed) *needed = c ? c->k : 0;
	if (!c || !d || !decode16(c->salt, strlen(c->salt), salt)) return 0;
	if (c->n_components == 0) {
		lv_deployment_hash(salt, "id", d->id, d->id_len, h);
		return !strcmp(h, c->id);
	}
	for (size_t i = 0; i < c->n_components; i++) {
		const struct component *dc = NULL;
		for (size_t j = 0; j < d->n && !dc; j++)
			if (!strcmp(d->comps[j].name, c->components[i].name)) dc = &d->comps[j];
		for (size_t v = 0; dc && v < dc->n; v++) {
			int hit = 0;
			lv_deployment_hash(salt, dc->name, dc->vals[v], dc->lens[v], h);
			for (size_t k = 0; k < c->components[i].n_hashes && !hit; k++) hit = !strcmp(h, c->components[i].hashes[k]);
			if (hit) {
				got++;
				break;
			}
		}
	}
	if (matched) *matched = got;
	return (int64_t)got >= c->k;
}

int lv_dep_json(char **b, size_t *n, size_t *cap, const lv_dep *c) {
	char tmp[48];
	if (!lv_buf_add(b, n, cap, "{\"s\":", 5) || !lv_json_quote(b, n, cap, c->salt, strlen(c->salt)) ||
	    !lv_buf_add(b, n, cap, ",\"id\":", 6) || !lv_json_quote(b, n, cap, c->id, strlen(c->id)))
		return 0;
	if (c->n_components) {
		if (!lv_buf_add(b, n, cap, ",\"c\":{", 6)) return 0;
		for (size_t i = 0; i < c->n_components; i++) {
			const lv_dep_component *m = &c->components[i];
			if ((i && !lv_buf_add(b, n, cap, ",", 1)) || !lv_json_quote(b, n, cap, m->name, strlen(m->name)) ||
			    !lv_buf_add(b, n, cap, ":[", 2))
				return 0;
			for (size_t k = 0; k < m->n_hashes; k++)
				if ((k && !lv_buf_add(b, n, cap, ",", 1)) || !lv_json_quote(b, n, cap, m->hashes[k], strlen(m->hashes[k])))
					return 0;
			if (!lv_buf_add(b, n, cap, "]", 1)) return 0;
		}
		if (!lv_buf_add(b, n, cap, "}", 1)) return 0;
	}
	if (c->k) {
		int k = snprintf(tmp, sizeof tmp, ",\"k\":%lld", (long long)c->k);
		if (!lv_buf_add(b, n, cap, tmp, (size_t)k)) return 0;
	}
	return lv_buf_add(b, n, cap, "}", 1);
}
