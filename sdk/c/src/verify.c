/* The verifier: options, claims and the checks of verifier/doc.go in their order. */
#include "internal.h"
#include "json.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct lv_verifier {
	const lv_keyring *kr;
	char **products, **skus;
	size_t n_products, n_skus;
	char *issuer;
	int allow_test;
	int64_t leeway, tolerance, max_list_age;
	const lv_revocations *revs;
	lv_state *state;
	const lv_deployment *deployment;
};

static const char *const names[] = {
	"valid", "malformed", "wrong_type", "wrong_algorithm", "unknown_key", "bad_signature", "expired",
	"not_yet_valid", "wrong_issuer", "wrong_product", "wrong_sku", "test_code", "revoked", "superseded",
	"inactive", "stale_list", "clock_rollback", "state_error", "keyring_error", "wrong_deployment",
	"deployment_error", "unbound", "invalid_argument", "out_of_memory",
};

lv_err lv_init(void) { return sodium_init() < 0 ? LV_ERR_NO_MEMORY : LV_OK; }

const char *lv_reason_name(lv_err err) {
	return (unsigned)err < sizeof names / sizeof *names ? names[err] : "error";
}

int lv_err_is(lv_err err, lv_err target) {
	return err == target || (err == LV_WRONG_TYPE && target == LV_MALFORMED) ||
	       (err == LV_WRONG_SKU && target == LV_WRONG_PRODUCT) || (err == LV_SUPERSEDED && target == LV_REVOKED);
}

int lv_exit_status(lv_err err) {
	switch (err) {
	case LV_OK: return 0;
	case LV_EXPIRED: return 2;
	case LV_NOT_YET_VALID: return 3;
	case LV_WRONG_ISSUER: case LV_WRONG_PRODUCT: case LV_WRONG_SKU: case LV_TEST_CODE: return 4;
	case LV_REVOKED: case LV_SUPERSEDED: case LV_INACTIVE: return 5;
	case LV_CLOCK_ROLLBACK: return 6;
	case LV_STALE_LIST: return 7;
	case LV_WRONG_DEPLOYMENT: return 8;
	case LV_STATE_ERROR: case LV_KEYRING_ERROR: case LV_DEPLOYMENT_ERROR: return 66;
	case LV_ERR_UNBOUND: case LV_ERR_INVALID_ARGUMENT: return 64;
	case LV_ERR_NO_MEMORY: return 70;
	default: return 1;
	}
}

void lv_options_init(lv_options *o) {
	memset(o, 0, sizeof *o);
	o->rollback_tolerance = LV_DEFAULT_ROLLBACK_TOLERANCE;
}

static char **copy_list(const char *const *in, size_t n, int *ok) {
	char **out = n ? calloc(n, sizeof *out) : NULL;
	*ok = !n || out;
	for (size_t i = 0; *ok && i < n; i++) *ok = in[i] && (out[i] = strdup(in[i]));
	return out;
}

static void free_list(char **l, size_t n) {
	for (size_t i = 0; l && i < n; i++) free(l[i]);
	free(l);
}

void lv_verifier_free(lv_verifier *v) {
	if (!v) return;
	free_list(v->products, v->n_products);
	free_list(v->skus, v->n_skus);
	free(v->issuer);
	free(v);
}

lv_err lv_verifier_new(const lv_keyring *kr, const lv_options *o, lv_verifier **out) {
	int ok1, ok2;
	if (!out || !kr || !o || (o->n_products && !o->products) || (o->n_skus && !o->skus)) return LV_ERR_INVALID_ARGUMENT;
	*out = NULL;
	for (size_t i = 0; i < o->n_products; i++)
		if (!o->products[i]) return LV_ERR_INVALID_ARGUMENT;
	for (size_t i = 0; i < o->n_skus; i++)
		if (!o->skus[i]) return LV_ERR_INVALID_ARGUMENT;
	if (!o->n_products && !o->n_skus && !o->any_product) return LV_ERR_UNBOUND;
	if (o->any_product && (o->n_products || o->n_skus)) return LV_ERR_INVALID_ARGUMENT;
	lv_verifier *v = calloc(1, sizeof *v);
	if (!v) return LV_ERR_NO_MEMORY;
	v->kr = kr, v->allow_test = o->allow_test, v->revs = o->revocations, v->state = o->state;
	v->deployment = o->deployment;
	v->leeway = o->leeway > 0 ? o->leeway : 0;
	v->tolerance = o->rollback_tolerance > 0 ? o->rollback_tolerance : 0;
	v->max_list_age = o->max_list_age > 0 ? o->max_list_age : 0;
	v->products = copy_list(o->products, o->n_products, &ok1), v->n_products = o->n_products;
	v->skus = copy_list(o->skus, o->n_skus, &ok2), v->n_skus = o->n_skus;
	v->issuer = o->issuer && *o->issuer ? strdup(o->issuer) : NULL;
	if (!ok1 || !ok2 || (o->issuer && *o->issuer && !v->issuer)) {
		lv_verifier_free(v);
		return LV_ERR_NO_MEMORY;
	}
	*out = v;
	return LV_OK;
}

void lv_result_free(lv_result *r) {
	if (!r) return;
	lv_claims *c = &r->claims;
	free(c->iss), free(c->sub), free(c->st), free(c->pid), free(c->sku), free(c->ord), free(c->oli), free(c->cid);
	for (size_t i = 0; i < c->n_pids; i++) free(c->pids[i]);
	free(c->dep);
	free(r->key_id);
	memset(r, 0, sizeof *r);
}

static int copy_str(const lvj *doc, const char *name, char **out, size_t *n, int *nomem) {
	const char *s;
	if (!lvj_field_str(doc, name, &s, n)) return 0;
	if (!(*out = malloc(*n + 1))) {
		*nomem = 1;
		return 0;
	}
	memcpy(*out, s, *n + 1);
	return 1;
}

/* copy_pids reads the "pids" claim as Go decodes a []string field: the last member whose name folds to
 * "pids" wins, null empties it, a null entry reads as "", and any other member or entry that is not an
 * array of strings is a type error (0), even when overridden. More than LV_MAX_PIDS entries, or an empty
 * one, leave *bad set (malformed). */
static int copy_pids(const lvj *doc, lv_claims *c, int *bad, int *nomem) {
	const lvj *last = NULL;
	for (const lvj *m = doc->child; m; m = m->next) {
		if (!lvj_folds(m->name, m->name_len, "pids")) continue;
		if (m->type == LVJ_NULL) {
			last = NULL;
			continue;
		}
		if (m->type != LVJ_ARR) return 0;
		for (const lvj *e = m->child; e; e = e->next)
			if (e->type != LVJ_STR && e->type != LVJ_NULL) return 0;
		last = m;
	}
	*bad = 0;
	if (!last) return 1;
	for (const lvj *e = last->child; e; e = e->next) {
		if (c->n_pids == LV_MAX_PIDS || e->type == LVJ_NULL || e->n == 0) {
			*bad = 1;
			return 1;
		}
		if (!(c->pids[c->n_pids] = malloc(e->n + 1))) {
			*nomem = 1;
			return 0;
		}
		memcpy(c->pids[c->n_pids], e->s, e->n + 1);
		c->pids_len[c->n_pids++] = e->n;
	}
	return 1;
}

/* claims reads and checks the claims (step 4) into c. */
static lv_err claims(const unsigned char *payload, size_t plen, lv_claims *c) {
	lvj_arena *arena;
	lvj *doc;
	int nomem = 0, bad_pids = 0;
	int rc = lvj_parse((const char *)payload, plen, &arena, &doc);
	if (rc == LVJ_NOMEM) return LV_ERR_NO_MEMORY;
	if (rc != LVJ_OK) return LV_MALFORMED;
	int ok = doc->type == LVJ_OBJ && copy_str(doc, "iss", &c->iss, &c->iss_len, &nomem) &&
	         copy_str(doc, "sub", &c->sub, &c->sub_len, &nomem) && lvj_field_int(doc, "gen", &c->gen) &&
	         lvj_field_int(doc, "iat", &c->iat) && lvj_field_int(doc, "nbf", &c->nbf) &&
	         lvj_field_int(doc, "exp", &c->exp) && lvj_field_int(doc, "grace", &c->grace) &&
	         copy_str(doc, "st", &c->st, &c->st_len, &nomem) && copy_str(doc, "pid", &c->pid, &c->pid_len, &nomem) &&
	         copy_str(doc, "sku", &c->sku, &c->sku_len, &nomem) && copy_str(doc, "ord", &c->ord, &c->ord_len, &nomem) &&
	         copy_str(doc, "oli", &c->oli, &c->oli_len, &nomem) && copy_str(doc, "cid", &c->cid, &c->cid_len, &nomem) &&
	         lvj_field_int(doc, "qty", &c->qty) && lvj_field_bool(doc, "test", &c->test) &&
	         copy_pids(doc, c, &bad_pids, &nomem);
	lv_err dep = ok ? lv_dep_decode(doc, &c->dep) : LV_OK;
	lvj_free(arena);
	if (nomem || dep == LV_ERR_NO_MEMORY) return LV_ERR_NO_MEMORY;
	if (dep != LV_OK) return LV_MALFORMED;
	if (!ok || bad_pids || c->sub_len == 0 || c->gen < 1 || c->st_len == 0 || c->iat < 0 || c->nbf < 0 || c->exp < 0 ||
	    c->grace < 0 || c->qty < 0)
		return LV_MALFORMED;
	return LV_OK;
}

static int one_of(char *const *list, size_t n, const char *s, size_t len) {
	for (size_t i = 0; i < n; i++)
		if (strlen(list[i]) == len && !memcmp(list[i], s, len)) return 1;
	return 0;
}

/* for_product reports whether c was issued for a bound product: its pid, or an entry of its pids. */
static int for_product(const lv_verifier *v, const lv_claims *c) {
	if (one_of(v->products, v->n_products, c->pid, c->pid_len)) return 1;
	for (size_t i = 0; i < c->n_pids; i++)
		if (one_of(v->products, v->n_products, c->pids[i], c->pids_len[i])) return 1;
	return 0;
}

static int64_t add_sat(int64_t a, int64_t b) { return a > INT64_MAX - b ? INT64_MAX : a + b; }

/* judge applies steps 5 to 11 to the authentic claims c at now. */
static lv_err judge(const lv_verifier *v, const lv_claims *c, int64_t now, int *in_grace) {
	int64_t state_min = 0, newer_list = 0;
	*in_grace = 0;
	if (v->issuer && !one_of(&v->issuer, 1, c->iss, c->iss_len)) return LV_WRONG_ISSUER;
	if (v->n_products && !for_product(v, c)) return LV_WRONG_PRODUCT;
	if (v->n_skus && !one_of(v->skus, v->n_skus, c->sku, c->sku_len)) return LV_WRONG_SKU;
	if (c->test && !v->allow_test) return LV_TEST_CODE;
	if (v->deployment && c->dep && !lv_dep_matches(c->dep, v->deployment, NULL, NULL)) return LV_WRONG_DEPLOYMENT;
	if (v->state) {
		lv_err err = lv_state_observe(v->state, c, v->revs, now, v->tolerance, &state_min, &newer_list);
		if (err != LV_OK) return err;
	}
	char *const active = "active", *const revoked = "revoked";
	if (one_of(&revoked, 1, c->st, c->st_len)) return LV_REVOKED;
	if (!one_of(&active, 1, c->st, c->st_len)) return LV_INACTIVE;
	if (newer_list) return LV_STALE_LIST;
	if (v->max_list_age && !v->revs) return LV_STALE_LIST;
	if (v->max_list_age && now > lv_revocations_issued_at(v->revs) && now - lv_revocations_issued_at(v->revs) > v->max_list_age)
		return LV_STALE_LIST;
	if (v->revs && c->gen < lv_revocations_min_gen_n(v->revs, c->sub, c->sub_len)) return LV_REVOKED;
	if (c->gen < state_min) return LV_SUPERSEDED;
	if (now < c->nbf - v->leeway) return LV_NOT_YET_VALID;
	if (c->exp == 0) return LV_OK;
	if (now >= add_sat(add_sat(c->exp, c->grace), v->leeway)) return LV_EXPIRED;
	*in_grace = now >= c->exp;
	return LV_OK;
}

lv_err lv_verify(const lv_verifier *v, const char *code, size_t len, lv_result *result) {
	return lv_verify_at(v, code, len, (int64_t)time(NULL), result);
}

lv_err lv_verify_at(const lv_verifier *v, const char *code, size_t len, int64_t now, lv_result *result) {
	lv_result local;
	lv_result *r = result ? result : &local;
	unsigned char *payload = NULL;
	size_t raw_len, plen = 0;
	char *raw, *kid = NULL;
	memset(r, 0, sizeof *r);
	r->at = now;
	if (!v || (!code && len)) return LV_ERR_INVALID_ARGUMENT;
	if (len > LV_MAX_PASTED) return LV_MALFORMED;
	if (!(raw = lv_clean(code ? code : "", len, &raw_len))) return LV_ERR_NO_MEMORY;
	lv_err err = lv_jws_open(v->kr, raw, raw_len, LV_TYPE_CODE, LV_MAX_CODE, &payload, &plen, &kid);
	free(raw);
	r->key_id = kid;
	if (err == LV_OK) err = claims(payload, plen, &r->claims);
	free(payload);
	if (err == LV_OK) {
		r->has_claims = 1;
		err = judge(v, &r->claims, now, &r->in_grace);
	}
	if (err != LV_OK) r->in_grace = 0;
	if (!result) lv_result_free(&local);
	return err;
}

static int add_int(char **b, size_t *n, size_t *cap, const char *name, int64_t v) {
	char tmp[64];
	int k = snprintf(tmp, sizeof tmp, ",\"%s\":%lld", name, (long long)v);
	return lv_buf_add(b, n, cap, tmp, (size_t)k);
}

static int add_str(char **b, size_t *n, size_t *cap, const char *name, const char *s, size_t len, int always) {
	char tmp[16];
	if (!always && !len) return 1;
	int k = snprintf(tmp, sizeof tmp, "%s\"%s\":", *n > 1 ? "," : "", name);
	return lv_buf_add(b, n, cap, tmp, (size_t)k) && lv_json_quote(b, n, cap, s ? s : "", s ? len : 0);
}

static int add_pids(char **b, size_t *n, size_t *cap, const lv_claims *c) {
	if (!c->n_pids) return 1;
	if (!lv_buf_add(b, n, cap, ",\"pids\":[", 9)) return 0;
	for (size_t i = 0; i < c->n_pids; i++)
		if ((i && !lv_buf_add(b, n, cap, ",", 1)) || !lv_json_quote(b, n, cap, c->pids[i], c->pids_len[i])) return 0;
	return lv_buf_add(b, n, cap, "]", 1);
}

char *lv_claims_json(const lv_claims *c) {
	char *b = NULL;
	size_t n = 0, cap = 0;
	int ok = c && lv_buf_add(&b, &n, &cap, "{", 1) && add_str(&b, &n, &cap, "iss", c->iss, c->iss_len, 1) &&
	         add_str(&b, &n, &cap, "sub", c->sub, c->sub_len, 1) && add_int(&b, &n, &cap, "gen", c->gen) &&
	         add_int(&b, &n, &cap, "iat", c->iat) && add_int(&b, &n, &cap, "nbf", c->nbf) &&
	         (!c->exp || add_int(&b, &n, &cap, "exp", c->exp)) && (!c->grace || add_int(&b, &n, &cap, "grace", c->grace)) &&
	         add_str(&b, &n, &cap, "st", c->st, c->st_len, 1) && add_str(&b, &n, &cap, "pid", c->pid, c->pid_len, 1) &&
	         add_pids(&b, &n, &cap, c) &&
	         add_str(&b, &n, &cap, "sku", c->sku, c->sku_len, 0) && add_str(&b, &n, &cap, "ord", c->ord, c->ord_len, 1) &&
	         add_str(&b, &n, &cap, "oli", c->oli, c->oli_len, 0) && add_str(&b, &n, &cap, "cid", c->cid, c->cid_len, 0) &&
	         (!c->qty || add_int(&b, &n, &cap, "qty", c->qty)) && (!c->test || lv_buf_add(&b, &n, &cap, ",\"test\":true", 12)) &&
	         (!c->dep || (lv_buf_add(&b, &n, &cap, ",\"dep\":", 7) && lv_dep_json(&b, &n, &cap, c->dep))) &&
	         lv_buf_add(&b, &n, &cap, "}", 1);
	if (!ok) {
		free(b);
		return NULL;
	}
	return b;
}
