#include "json.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK (64 * 1024)

typedef struct block {
	struct block *prev;
	size_t used, cap;
	unsigned char data[];
} block;

struct lvj_arena {
	block *top;
};

typedef struct {
	const unsigned char *s;
	size_t len, i;
	lvj_arena *arena;
	int nomem;
} reader;

static void *alloc(reader *r, size_t n) {
	block *b = r->arena->top;
	n = (n + 7) & ~(size_t)7;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > BLOCK ? n : BLOCK;
		block *nb = malloc(sizeof *nb + cap);
		if (!nb) {
			r->nomem = 1;
			return NULL;
		}
		nb->prev = b, nb->used = 0, nb->cap = cap;
		r->arena->top = b = nb;
	}
	void *p = b->data + b->used;
	b->used += n;
	memset(p, 0, n);
	return p;
}

void lvj_free(lvj_arena *a) {
	if (!a) return;
	for (block *b = a->top; b;) {
		block *prev = b->prev;
		free(b);
		b = prev;
	}
	free(a);
}

static void ws(reader *r) {
	while (r->i < r->len) {
		unsigned char c = r->s[r->i];
		if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return;
		r->i++;
	}
}

static int take(reader *r, unsigned char c) {
	if (r->i < r->len && r->s[r->i] == c) {
		r->i++;
		return 1;
	}
	return 0;
}

static int hex4(reader *r, unsigned *out) {
	unsigned v = 0;
	if (r->len - r->i < 4) return 0;
	for (int k = 0; k < 4; k++) {
		unsigned char c = r->s[r->i++];
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
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6), o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12), o[1] = (char)(0x80 | ((cp >> 6) & 0x3F)), o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | cp >> 18), o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* utf8_len returns the length of the valid UTF-8 sequence at s[0, n), or 0 when it is not one (as Go's
 * utf8.DecodeRune: no overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_len(const unsigned char *s, size_t n) {
	unsigned char c = s[0];
	size_t want;
	unsigned lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF) want = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		want = 3;
		if (c == 0xE0) lo = 0xA0;
		if (c == 0xED) hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		want = 4;
		if (c == 0xF0) lo = 0x90;
		if (c == 0xF4) hi = 0x8F;
	} else return 0;
	if (n < want || s[1] < lo || s[1] > hi) return 0;
	for (size_t k = 2; k < want; k++)
		if (s[k] < 0x80 || s[k] > 0xBF) return 0;
	return want;
}

/* string reads a string at r->i (the opening quote) into *s, *n. Decoding never grows the text by more
 * than U+FFFD's three bytes for one invalid byte, so 3 * its length bounds the output. */
static int string(reader *r, const char **s, size_t *n) {
	size_t end = r->i + 1;
	while (end < r->len && r->s[end] != '"') end += r->s[end] == '\\' ? 2 : 1;
	if (end >= r->len) return 0;
	char *out = alloc(r, 3 * (end - r->i) + 1);
	size_t o = 0;
	if (!out) return 0;
	r->i++;
	for (;;) {
		if (r->i >= r->len) return 0;
		unsigned char c = r->s[r->i];
		if (c == '"') {
			r->i++;
			break;
		}
		if (c < 0x20) return 0;
		if (c >= 0x80) {
			size_t w = utf8_len(r->s + r->i, r->len - r->i);
			if (w == 0) {
				o += put_utf8(out + o, 0xFFFD);
				r->i++;
			} else {
				memcpy(out + o, r->s + r->i, w);
				o += w, r->i += w;
			}
			continue;
		}
		r->i++;
		if (c != '\\') {
			out[o++] = (char)c;
			continue;
		}
		if (r->i >= r->len) return 0;
		unsigned char e = r->s[r->i++];
		const char *esc = e ? strchr("\"\\/bfnrt", e) : NULL;
		if (esc) {
			out[o++] = "\"\\/\b\f\n\r\t"[esc - "\"\\/bfnrt"];
			continue;
		}
		if (e != 'u') return 0;
		unsigned cp, lo;
		if (!hex4(r, &cp)) return 0;
		if (cp >= 0xD800 && cp < 0xDC00 && r->len - r->i >= 6 && r->s[r->i] == '\\' && r->s[r->i + 1] == 'u') {
			size_t save = r->i;
			r->i += 2;
			if (hex4(r, &lo) && lo >= 0xDC00 && lo < 0xE000) cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			else r->i = save;
		}
		if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD; /* a lone surrogate, as Go decodes it */
		o += put_utf8(out + o, cp);
	}
	out[o] = 0;
	*s = out, *n = o;
	return 1;
}

static int digits(reader *r) {
	size_t start = r->i;
	while (r->i < r->len && r->s[r->i] >= '0' && r->s[r->i] <= '9') r->i++;
	return r->i > start;
}

static int number(reader *r, lvj *v) {
	size_t start = r->i;
	take(r, '-');
	size_t first = r->i;
	if (!digits(r) || (r->s[first] == '0' && r->i - first > 1)) return 0;
	if (take(r, '.') && !digits(r)) return 0;
	if (r->i < r->len && (r->s[r->i] == 'e' || r->s[r->i] == 'E')) {
		r->i++;
		if (!take(r, '+')) take(r, '-');
		if (!digits(r)) return 0;
	}
	v->type = LVJ_NUM, v->s = (const char *)r->s + start, v->n = r->i - start;
	return 1;
}

static int word(reader *r, const char *w) {
	size_t n = strlen(w);
	if (r->len - r->i >= n && !memcmp(r->s + r->i, w, n)) {
		r->i += n;
		return 1;
	}
	return 0;
}

static lvj *value(reader *r, int depth) {
	ws(r);
	if (r->i >= r->len || depth >= LVJ_MAX_DEPTH) return NULL;
	lvj *v = alloc(r, sizeof *v);
	if (!v) return NULL;
	unsigned char c = r->s[r->i];
	if (c == '{' || c == '[') {
		unsigned char close = c == '{' ? '}' : ']';
		lvj **tail = &v->child;
		v->type = c == '{' ? LVJ_OBJ : LVJ_ARR;
		r->i++;
		ws(r);
		if (take(r, close)) return v;
		do {
			const char *name = NULL;
			size_t name_len = 0;
			if (v->type == LVJ_OBJ) {
				ws(r);
				if (r->i >= r->len || r->s[r->i] != '"' || !string(r, &name, &name_len)) return NULL;
				ws(r);
				if (!take(r, ':')) return NULL;
			}
			lvj *item = value(r, depth + 1);
			if (!item) return NULL;
			item->name = name, item->name_len = name_len;
			*tail = item;
			tail = &item->next;
			ws(r);
		} while (take(r, ','));
		return take(r, close) ? v : NULL;
	}
	if (c == '"') {
		v->type = LVJ_STR;
		return string(r, &v->s, &v->n) ? v : NULL;
	}
	if (word(r, "true")) v->type = LVJ_TRUE;
	else if (word(r, "false")) v->type = LVJ_FALSE;
	else if (word(r, "null")) v->type = LVJ_NULL;
	else if (!number(r, v)) return NULL;
	return v;
}

int lvj_parse(const char *in, size_t len, lvj_arena **arena, lvj **out) {
	reader r = {(const unsigned char *)in, len, 0, calloc(1, sizeof(lvj_arena)), 0};
	if (!r.arena) return LVJ_NOMEM;
	lvj *v = value(&r, 0);
	ws(&r);
	if (!v || r.i != len) {
		lvj_free(r.arena);
		return r.nomem ? LVJ_NOMEM : LVJ_SYNTAX;
	}
	*arena = r.arena, *out = v;
	return LVJ_OK;
}

int lvj_folds(const char *name, size_t n, const char *field) {
	const unsigned char *s = (const unsigned char *)name;
	size_t k = 0;
	for (; *field; field++) {
		unsigned char f = (unsigned char)*field;
		if (k < n && (s[k] == f || (f >= 'a' && f <= 'z' && s[k] == f - 32))) {
			k++;
		} else if (f == 's' && n - k >= 2 && s[k] == 0xC5 && s[k + 1] == 0xBF) { /* U+017F LATIN SMALL LETTER LONG S */
			k += 2;
		} else if (f == 'k' && n - k >= 3 && s[k] == 0xE2 && s[k + 1] == 0x84 && s[k + 2] == 0xAA) { /* U+212A KELVIN SIGN */
			k += 3;
		} else {
			return 0;
		}
	}
	return k == n;
}

int lvj_int(const lvj *v, int64_t *out) {
	if (!v || v->type != LVJ_NUM) return 0;
	const char *p = v->s, *end = v->s + v->n;
	int neg = *p == '-';
	uint64_t acc = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (neg) p++;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9') return 0; /* a fraction or an exponent */
		unsigned d = (unsigned)(*p - '0');
		if (acc > (limit - d) / 10) return 0;
		acc = acc * 10 + d;
	}
	*out = neg ? (acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)acc) : (int64_t)acc;
	return 1;
}

int lvj_has(const lvj *obj, const char *field) {
	for (const lvj *m = obj && obj->type == LVJ_OBJ ? obj->child : NULL; m; m = m->next)
		if (lvj_folds(m->name, m->name_len, field)) return 1;
	return 0;
}

int lvj_field_type(const lvj *obj, const char *field, int type, const lvj **out) {
	*out = NULL;
	for (const lvj *m = obj && obj->type == LVJ_OBJ ? obj->child : NULL; m; m = m->next) {
		if (m->type == LVJ_NULL || !lvj_folds(m->name, m->name_len, field)) continue;
		int same = m->type == type || (type == LVJ_TRUE && m->type == LVJ_FALSE);
		if (!same) return 0;
		*out = m;
	}
	return 1;
}

int lvj_field_str(const lvj *obj, const char *field, const char **s, size_t *n) {
	const lvj *v;
	if (!lvj_field_type(obj, field, LVJ_STR, &v)) return 0;
	*s = v ? v->s : "", *n = v ? v->n : 0;
	return 1;
}

int lvj_field_int(const lvj *obj, const char *field, int64_t *out) {
	*out = 0;
	for (const lvj *m = obj && obj->type == LVJ_OBJ ? obj->child : NULL; m; m = m->next) {
		if (m->type == LVJ_NULL || !lvj_folds(m->name, m->name_len, field)) continue;
		if (!lvj_int(m, out)) return 0;
	}
	return 1;
}

int lvj_field_bool(const lvj *obj, const char *field, int *out) {
	const lvj *v;
	if (!lvj_field_type(obj, field, LVJ_TRUE, &v)) return 0;
	*out = v && v->type == LVJ_TRUE;
	return 1;
}
