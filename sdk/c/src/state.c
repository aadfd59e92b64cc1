/* The signed revocation list, the revocation document and the state file (verifier/doc.go, "Revocation list",
 * "Revocation delta", "Revocation document", "State file"). */
#include "internal.h"
#include "json.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_FORMAT "licentia-verifier-state/1"
#define STATE_WRITE_EVERY 60

/* ---- id → generation ---- */

static int is_space(char c) {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int cmp_id(const char *a, size_t an, const char *b, size_t bn) {
	int c = memcmp(a, b, an < bn ? an : bn);
	return c ? c : (an > bn) - (an < bn);
}

/* find returns the index of id, or of where it would go (and *found = 0). */
static size_t find(const lv_idmap *m, const char *id, size_t len, int *found) {
	size_t lo = 0, hi = m->n;
	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_id(m->items[mid].id, m->items[mid].len, id, len);
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

int64_t lv_idmap_get(const lv_idmap *m, const char *id, size_t len) {
	int found;
	size_t i = find(m, id, len, &found);
	return found ? m->items[i].gen : 0;
}

int lv_idmap_set(lv_idmap *m, const char *id, size_t len, int64_t gen) {
	int found;
	size_t i = find(m, id, len, &found);
	if (found) {
		m->items[i].gen = gen;
		return 1;
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct lv_identry *ni = realloc(m->items, cap * sizeof *ni);
		if (!ni) return 0;
		m->items = ni, m->cap = cap;
	}
	char *copy = malloc(len + 1);
	if (!copy) return 0;
	memcpy(copy, id, len);
	copy[len] = 0;
	memmove(m->items + i + 1, m->items + i, (m->n - i) * sizeof *m->items);
	m->items[i].id = copy, m->items[i].len = len, m->items[i].gen = gen;
	m->n++;
	return 1;
}

void lv_idmap_del(lv_idmap *m, const char *id, size_t len) {
	int found;
	size_t i = find(m, id, len, &found);
	if (!found) return;
	free(m->items[i].id);
	memmove(m->items + i, m->items + i + 1, (m->n - i - 1) * sizeof *m->items);
	m->n--;
}

void lv_idmap_free(lv_idmap *m) {
	for (size_t i = 0; i < m->n; i++) free(m->items[i].id);
	free(m->items);
	memset(m, 0, sizeof *m);
}

/* read_gens reads a JSON object of id → generation (as Go reads a map[string]int64: exact names, the last
 * member wins, null is 0) into m; every id non-empty and every generation >= 1. 1 when fine, 0 when not,
 * -1 when out of memory. */
static int read_gens(const lvj *obj, lv_idmap *m) {
	for (const lvj *e = obj ? obj->child : NULL; e; e = e->next) {
		int64_t g = 0;
		if (e->type != LVJ_NULL && !lvj_int(e, &g)) return 0;
		if (!lv_idmap_set(m, e->name, e->name_len, g)) return -1;
	}
	for (size_t i = 0; i < m->n; i++)
		if (m->items[i].len == 0 || m->items[i].gen < 1) return 0;
	return 1;
}

/* ---- the revocation list ---- */

struct lv_revocations {
	int64_t iat;
	lv_idmap min_gen;
};

/* trim narrows [*i, *j) of s to its part without white space around it. */
static void trim(const char *s, size_t *i, size_t *j) {
	while (*i < *j && is_space(s[*i])) (*i)++;
	while (*j > *i && is_space(s[*j - 1])) (*j)--;
}

/* next_line finds the next non-empty line of doc[*pos, len) (lines end with LF), white space trimmed: 1
 * and its bounds in *a, *b, or 0 at the end. */
static int next_line(const char *doc, size_t len, size_t *pos, size_t *a, size_t *b) {
	while (*pos < len) {
		const char *nl = memchr(doc + *pos, '\n', len - *pos);
		size_t i = *pos, j = nl ? (size_t)(nl - doc) : len;
		*pos = j + 1;
		trim(doc, &i, &j);
		if (i < j) {
			*a = i, *b = j;
			return 1;
		}
	}
	return 0;
}

/* open_payload verifies one JWS of type typ and parses its payload as JSON; on LV_OK the caller frees
 * *arena and *payload (the JSON numbers point into it). */
static lv_err open_payload(const lv_keyring *kr, const char *raw, size_t len, const char *typ, unsigned char **payload,
                           lvj_arena **arena, lvj **doc) {
	size_t plen;
	char *kid = NULL;
	lv_err err = lv_jws_open(kr, raw, len, typ, LV_MAX_LIST, payload, &plen, &kid);
	free(kid);
	if (err != LV_OK) return err;
	int rc = lvj_parse((const char *)*payload, plen, arena, doc);
	if (rc != LVJ_OK) {
		free(*payload);
		*payload = NULL;
		return rc == LVJ_NOMEM ? LV_ERR_NO_MEMORY : LV_MALFORMED;
	}
	return LV_OK;
}

/* parse_list verifies one whole list (a trimmed compact JWS) into a new *out. */
static lv_err parse_list(const lv_keyring *kr, const char *raw, size_t len, lv_revocations **out) {
	unsigned char *payload = NULL;
	lvj_arena *arena;
	lvj *doc;
	const lvj *gens;
	int rc;
	*out = NULL;
	lv_err err = open_payload(kr, raw, len, LV_TYPE_REVOCATIONS, &payload, &arena, &doc);
	if (err != LV_OK) return err;
	lv_revocations *l = calloc(1, sizeof *l);
	if (!l) err = LV_ERR_NO_MEMORY;
	else if (doc->type != LVJ_OBJ || !lvj_field_int(doc, "iat", &l->iat) || !lvj_field_type(doc, "min_gen", LVJ_OBJ, &gens) ||
	         !gens || l->iat < 0)
		err = LV_MALFORMED;
	else if ((rc = read_gens(gens, &l->min_gen)) != 1)
		err = rc < 0 ? LV_ERR_NO_MEMORY : LV_MALFORMED;
	lvj_free(arena);
	free(payload);
	if (err != LV_OK) {
		lv_revocations_free(l);
		return err;
	}
	*out = l;
	return LV_OK;
}

/* A verified delta: its iat and since, the entries to set, and the removed ids (nodes of arena). */
typedef struct delta {
	int64_t iat, since;
	lv_idmap set;
	const lvj *removed; /* an array of strings and nulls (a null is "") */
	unsigned char *payload;
	lvj_arena *arena;
} delta;

static void delta_free(delta *d) {
	lv_idmap_free(&d->set);
	if (d->arena) lvj_free(d->arena);
	free(d->payload);
	memset(d, 0, sizeof *d);
}

/* parse_delta verifies one delta (a trimmed compact JWS) into *d; on LV_OK the caller frees it. */
static lv_err parse_delta(const lv_keyring *kr, const char *raw, size_t len, delta *d) {
	lvj *doc;
	const lvj *gens = NULL;
	int rc;
	memset(d, 0, sizeof *d);
	lv_err err = open_payload(kr, raw, len, LV_TYPE_REVOCATIONS_DELTA, &d->payload, &d->arena, &doc);
	if (err != LV_OK) return err;
	if (doc->type != LVJ_OBJ || !lvj_field_int(doc, "iat", &d->iat) || !lvj_field_int(doc, "since", &d->since) ||
	    !lvj_field_type(doc, "min_gen", LVJ_OBJ, &gens)) {
		err = LV_MALFORMED;
		goto out;
	}
	/* "removed" as Go decodes a []string: the last member wins, null (or absent) is nil, a null entry is "",
	 * and any member of another type is an error. */
	for (const lvj *m = doc->child; m; m = m->next) {
		if (!lvj_folds(m->name, m->name_len, "removed")) continue;
		if (m->type == LVJ_NULL) {
			d->removed = NULL;
			continue;
		}
		if (m->type != LVJ_ARR) {
			err = LV_MALFORMED;
			goto out;
		}
		for (const lvj *e = m->child; e; e = e->next)
			if (e->type != LVJ_STR && e->type != LVJ_NULL) {
				err = LV_MALFORMED;
				goto out;
			}
		d->removed = m;
	}
	if (d->since < 0 || d->iat < d->since || !gens || !d->removed) {
		err = LV_MALFORMED;
		goto out;
	}
	if ((rc = read_gens(gens, &d->set)) != 1) {
		err = rc < 0 ? LV_ERR_NO_MEMORY : LV_MALFORMED;
		goto out;
	}
	for (const lvj *e = d->removed->child; e; e = e->next) {
		int found;
		if (e->type == LVJ_NULL || e->n == 0) {
			err = LV_MALFORMED; /* an empty id */
			goto out;
		}
		(void)find(&d->set, e->s, e->n, &found);
		if (found) {
			err = LV_MALFORMED; /* both set and removed */
			goto out;
		}
	}
out:
	if (err != LV_OK) delta_free(d);
	return err;
}

/* apply applies d to l after checking that d continues it (no gap, not older): LV_MALFORMED leaves l
 * unchanged. */
static lv_err apply(lv_revocations *l, const delta *d) {
	if (d->since > l->iat || d->iat < l->iat) return LV_MALFORMED;
	for (size_t i = 0; i < d->set.n; i++)
		if (!lv_idmap_set(&l->min_gen, d->set.items[i].id, d->set.items[i].len, d->set.items[i].gen)) return LV_ERR_NO_MEMORY;
	for (const lvj *e = d->removed->child; e; e = e->next) lv_idmap_del(&l->min_gen, e->s, e->n);
	l->iat = d->iat;
	return LV_OK;
}

/* parse_document is lv_revocations_parse, also counting the deltas. */
static lv_err parse_document(const lv_keyring *kr, const char *data, size_t len, lv_revocations **out, size_t *deltas) {
	size_t pos = 0, a, b;
	lv_revocations *l = NULL;
	lv_err err = LV_OK;
	*out = NULL, *deltas = 0;
	if (len > LV_MAX_REVOCATION_DOCUMENT_SIZE) return LV_MALFORMED;
	while (next_line(data, len, &pos, &a, &b)) {
		if (!l) {
			if ((err = parse_list(kr, data + a, b - a, &l)) != LV_OK) return err;
			continue;
		}
		if (*deltas == LV_MAX_REVOCATION_DELTAS) {
			err = LV_MALFORMED;
			break;
		}
		(*deltas)++;
		delta d;
		if ((err = parse_delta(kr, data + a, b - a, &d)) != LV_OK) break;
		err = apply(l, &d);
		delta_free(&d);
		if (err != LV_OK) break;
	}
	if (err == LV_OK && !l) err = LV_MALFORMED; /* empty */
	if (err != LV_OK) {
		lv_revocations_free(l);
		return err;
	}
	*out = l;
	return LV_OK;
}

lv_err lv_revocations_parse(const lv_keyring *kr, const char *data, size_t len, lv_revocations **out) {
	size_t deltas;
	if (!out || !kr || (!data && len)) return LV_ERR_INVALID_ARGUMENT;
	return parse_document(kr, data ? data : "", len, out, &deltas);
}

int lv_revocations_compact_due(const char *doc, size_t len) {
	size_t pos = 0, a, b, list_len = 0, deltas = 0, delta_len = 0;
	if (!doc) len = 0;
	while (next_line(doc, len, &pos, &a, &b)) {
		if (!list_len) list_len = b - a;
		else deltas++, delta_len += b - a;
	}
	return list_len == 0 || delta_len > list_len || deltas >= LV_MAX_REVOCATION_DELTAS;
}

lv_err lv_revocations_append(const lv_keyring *kr, const char *doc, size_t doc_len, const char *body, size_t body_len,
                             char **out_doc, size_t *out_len, lv_revocations **out) {
	char typ[64];
	size_t typ_len, a = 0, b = body_len, da = 0, db = doc_len, deltas;
	lv_revocations *held = NULL, *l = NULL;
	lv_err err;
	if (!kr || !out_doc || !out_len || !out || (!doc && doc_len) || (!body && body_len)) return LV_ERR_INVALID_ARGUMENT;
	*out_doc = NULL, *out_len = 0, *out = NULL;
	if (!doc) doc = "";
	if (!body) body = "";
	if (body_len > LV_MAX_REVOCATION_LIST_SIZE) return LV_MALFORMED;
	trim(body, &a, &b);
	if (memchr(body + a, '\n', b - a)) return LV_MALFORMED; /* an answer is one JWS on one line */
	if ((err = lv_jws_typ(body + a, b - a, LV_MAX_LIST, typ, sizeof typ, &typ_len)) != LV_OK) return err;
	trim(doc, &da, &db);
	if (typ_len != strlen(LV_TYPE_REVOCATIONS_DELTA) || memcmp(typ, LV_TYPE_REVOCATIONS_DELTA, typ_len)) {
		if ((err = parse_list(kr, body + a, b - a, &l)) != LV_OK) return err;
		if (da < db && parse_document(kr, doc, doc_len, &held, &deltas) == LV_OK) {
			int older = held->iat > l->iat;
			lv_revocations_free(held);
			if (older) {
				lv_revocations_free(l);
				return LV_STALE_LIST;
			}
		}
		if (!(*out_doc = malloc(b - a + 2))) {
			lv_revocations_free(l);
			return LV_ERR_NO_MEMORY;
		}
		memcpy(*out_doc, body + a, b - a);
		(*out_doc)[b - a] = '\n', (*out_doc)[b - a + 1] = 0;
		*out_len = b - a + 1;
		*out = l;
		return LV_OK;
	}
	delta d;
	if ((err = parse_delta(kr, body + a, b - a, &d)) != LV_OK) return err;
	if ((err = parse_document(kr, doc, doc_len, &held, &deltas)) != LV_OK) goto out; /* a delta needs its list */
	if (d.iat < held->iat) err = LV_STALE_LIST;
	else if (deltas >= LV_MAX_REVOCATION_DELTAS) err = LV_MALFORMED;
	else if ((db - da) + 1 + (b - a) + 1 > LV_MAX_REVOCATION_DOCUMENT_SIZE) err = LV_MALFORMED;
	else err = apply(held, &d);
	if (err != LV_OK) goto out;
	size_t n = (db - da) + 1 + (b - a) + 1;
	if (!(*out_doc = malloc(n + 1))) {
		err = LV_ERR_NO_MEMORY;
		goto out;
	}
	memcpy(*out_doc, doc + da, db - da);
	(*out_doc)[db - da] = '\n';
	memcpy(*out_doc + (db - da) + 1, body + a, b - a);
	(*out_doc)[n - 1] = '\n', (*out_doc)[n] = 0;
	*out_len = n;
	*out = held;
	held = NULL;
out:
	delta_free(&d);
	lv_revocations_free(held);
	return err;
}

size_t lv_revocations_count(const lv_revocations *l) { return l ? l->min_gen.n : 0; }

int64_t lv_revocations_issued_at(const lv_revocations *l) { return l ? l->iat : 0; }

int64_t lv_revocations_min_gen_n(const lv_revocations *l, const char *id, size_t len) {
	return l ? lv_idmap_get(&l->min_gen, id, len) : 0;
}

int64_t lv_revocations_min_gen(const lv_revocations *l, const char *id) {
	return id ? lv_revocations_min_gen_n(l, id, strlen(id)) : 0;
}

void lv_revocations_free(lv_revocations *l) {
	if (!l) return;
	lv_idmap_free(&l->min_gen);
	free(l);
}

/* ---- the state file ---- */

struct lv_state {
	char *path;
	pthread_mutex_t mu;
	int64_t seen, list_iat, written;
	lv_idmap min_gen;
};

static lv_err decode(lv_state *s, const char *data, size_t len) {
	lvj_arena *arena;
	lvj *doc;
	const lvj *gens;
	const char *format;
	size_t format_len, k = 0;
	static const char *const members[] = {"format", "seen", "list_iat", "min_gen"};
	while (k < len && (data[k] == ' ' || data[k] == '\t' || data[k] == '\r' || data[k] == '\n')) k++;
	if (k == len) return LV_STATE_ERROR; /* empty: delete it to start afresh */
	int rc = lvj_parse(data, len, &arena, &doc);
	if (rc != LVJ_OK) return rc == LVJ_NOMEM ? LV_ERR_NO_MEMORY : LV_STATE_ERROR;
	lv_err err = LV_OK;
	if (doc->type != LVJ_OBJ) err = LV_STATE_ERROR;
	for (const lvj *m = err == LV_OK ? doc->child : NULL; m; m = m->next) {
		int known = 0;
		for (size_t i = 0; i < sizeof members / sizeof *members; i++) known |= lvj_folds(m->name, m->name_len, members[i]);
		if (!known) err = LV_STATE_ERROR; /* an unknown member: a foreign file */
	}
	if (err == LV_OK && (!lvj_field_str(doc, "format", &format, &format_len) || format_len != strlen(STATE_FORMAT) ||
	                     memcmp(format, STATE_FORMAT, format_len) || !lvj_field_int(doc, "seen", &s->seen) ||
	                     !lvj_field_int(doc, "list_iat", &s->list_iat) || s->seen < 0 || s->list_iat < 0 ||
	                     !lvj_field_type(doc, "min_gen", LVJ_OBJ, &gens)))
		err = LV_STATE_ERROR;
	if (err == LV_OK && (rc = read_gens(gens, &s->min_gen)) != 1) err = rc < 0 ? LV_ERR_NO_MEMORY : LV_STATE_ERROR;
	lvj_free(arena);
	return err;
}

lv_err lv_state_open(const char *path, lv_state **out) {
	if (!path || !out) return LV_ERR_INVALID_ARGUMENT;
	*out = NULL;
	lv_state *s = calloc(1, sizeof *s);
	if (!s || !(s->path = strdup(path))) {
		free(s);
		return LV_ERR_NO_MEMORY;
	}
	s->written = -1;
	pthread_mutex_init(&s->mu, NULL);
	FILE *f = fopen(path, "rb");
	if (!f && errno == ENOENT) {
		*out = s;
		return LV_OK;
	}
	lv_err err = LV_STATE_ERROR;
	char *buf = f ? malloc(LV_MAX_STATE + 1) : NULL;
	if (f && !buf) err = LV_ERR_NO_MEMORY;
	if (buf) {
		size_t n = fread(buf, 1, LV_MAX_STATE + 1, f);
		if (!ferror(f) && n <= LV_MAX_STATE) err = decode(s, buf, n);
	}
	free(buf);
	if (f) fclose(f);
	if (err != LV_OK) {
		lv_state_free(s);
		return err;
	}
	s->written = s->seen;
	*out = s;
	return LV_OK;
}

void lv_state_free(lv_state *s) {
	if (!s) return;
	pthread_mutex_destroy(&s->mu);
	lv_idmap_free(&s->min_gen);
	free(s->path);
	free(s);
}

static int64_t locked_get(lv_state *s, const int64_t *field) {
	pthread_mutex_lock(&s->mu);
	int64_t v = *field;
	pthread_mutex_unlock(&s->mu);
	return v;
}

int64_t lv_state_seen(lv_state *s) { return s ? locked_get(s, &s->seen) : 0; }

int64_t lv_state_list_iat(lv_state *s) { return s ? locked_get(s, &s->list_iat) : 0; }

int64_t lv_state_min_gen(lv_state *s, const char *id) {
	if (!s || !id) return 0;
	pthread_mutex_lock(&s->mu);
	int64_t g = lv_idmap_get(&s->min_gen, id, strlen(id));
	pthread_mutex_unlock(&s->mu);
	return g;
}

/* write replaces the file with the current state, atomically (temporary file, fsync, rename), mode 0600.
 * The caller holds s->mu. */
static lv_err write_state(lv_state *s) {
	char *b = NULL, num[64];
	size_t n = 0, cap = 0;
	int ok = lv_buf_add(&b, &n, &cap, "{\"format\":\"" STATE_FORMAT "\"", 11 + strlen(STATE_FORMAT) + 1);
	int k = snprintf(num, sizeof num, ",\"seen\":%lld", (long long)s->seen);
	ok = ok && lv_buf_add(&b, &n, &cap, num, (size_t)k);
	if (s->list_iat) {
		k = snprintf(num, sizeof num, ",\"list_iat\":%lld", (long long)s->list_iat);
		ok = ok && lv_buf_add(&b, &n, &cap, num, (size_t)k);
	}
	ok = ok && lv_buf_add(&b, &n, &cap, ",\"min_gen\":{", 12);
	for (size_t i = 0; ok && i < s->min_gen.n; i++) { /* sorted by id bytes, as Go writes a map */
		k = snprintf(num, sizeof num, ":%lld", (long long)s->min_gen.items[i].gen);
		ok = (!i || lv_buf_add(&b, &n, &cap, ",", 1)) &&
		     lv_json_quote(&b, &n, &cap, s->min_gen.items[i].id, s->min_gen.items[i].len) &&
		     lv_buf_add(&b, &n, &cap, num, (size_t)k);
	}
	ok = ok && lv_buf_add(&b, &n, &cap, "}}\n", 3);
	if (!ok) {
		free(b);
		return LV_ERR_NO_MEMORY;
	}
	const char *slash = strrchr(s->path, '/');
	size_t dir_len = slash ? (size_t)(slash - s->path) + 1 : 0;
	char *tmp = malloc(dir_len + 12);
	lv_err err = LV_STATE_ERROR;
	int fd = -1;
	if (tmp) {
		memcpy(tmp, s->path, dir_len);
		memcpy(tmp + dir_len, ".tmp-XXXXXX", 12);
		fd = mkstemp(tmp);
	} else {
		err = LV_ERR_NO_MEMORY;
	}
	if (fd >= 0) {
		size_t done = 0;
		int good = fchmod(fd, 0600) == 0;
		while (good && done < n) {
			ssize_t w = write(fd, b + done, n - done);
			if (w < 0 && errno == EINTR) continue;
			good = w > 0;
			if (good) done += (size_t)w;
		}
		good = good && fsync(fd) == 0;
		good = close(fd) == 0 && good;
		if (good && rename(tmp, s->path) == 0) err = LV_OK;
		else unlink(tmp);
	}
	free(tmp);
	free(b);
	if (err == LV_OK) s->written = s->seen;
	return err;
}

lv_err lv_state_observe(lv_state *s, const lv_claims *c, const lv_revocations *l, int64_t now, int64_t tolerance,
                        int64_t *prev_min, int64_t *newer_list) {
	pthread_mutex_lock(&s->mu);
	int64_t prev = lv_idmap_get(&s->min_gen, c->sub, c->sub_len);
	int64_t trusted = s->seen > c->iat ? s->seen : c->iat;
	int64_t new_min = prev > c->gen ? prev : c->gen, list_iat = s->list_iat, newer = 0;
	if (l && l->iat < s->list_iat) {
		newer = s->list_iat;
	} else if (l) {
		int64_t lg = lv_idmap_get(&l->min_gen, c->sub, c->sub_len);
		trusted = trusted > l->iat ? trusted : l->iat;
		new_min = new_min > lg ? new_min : lg;
		list_iat = l->iat;
	}
	int rollback = now < trusted - tolerance;
	if (!rollback && now > trusted) trusted = now;
	int changed = new_min != prev || list_iat != s->list_iat;
	s->seen = trusted, s->list_iat = list_iat;
	lv_err err = lv_idmap_set(&s->min_gen, c->sub, c->sub_len, new_min) ? LV_OK : LV_ERR_NO_MEMORY;
	if (err == LV_OK && (changed || s->written < 0 || s->seen - s->written >= STATE_WRITE_EVERY)) err = write_state(s);
	pthread_mutex_unlock(&s->mu);
	if (err != LV_OK) return err;
	if (rollback) return LV_CLOCK_ROLLBACK;
	*prev_min = prev, *newer_list = newer;
	return LV_OK;
}
