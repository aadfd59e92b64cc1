/*
 * A small, strict JSON reader (RFC 8259) that reads what Go's encoding/json reads, internal to
 * liblicentia_verify. Every node and decoded string lives in one arena, freed at once.
 */
#ifndef LV_JSON_H
#define LV_JSON_H

#include <stddef.h>
#include <stdint.h>

enum { LVJ_NULL, LVJ_FALSE, LVJ_TRUE, LVJ_NUM, LVJ_STR, LVJ_ARR, LVJ_OBJ };

/* The deepest nesting accepted. */
#define LVJ_MAX_DEPTH 512

typedef struct lvj {
	int type;
	const char *s; /* LVJ_STR: the decoded string (NUL-terminated, may hold NUL); LVJ_NUM: the literal */
	size_t n;      /* its length */
	const char *name; /* a member of an object: its decoded name */
	size_t name_len;
	struct lvj *child; /* LVJ_ARR, LVJ_OBJ: the first element or member */
	struct lvj *next;  /* the next element or member of the parent */
} lvj;

typedef struct lvj_arena lvj_arena;

/* Results of lvj_parse. */
enum { LVJ_OK = 0, LVJ_SYNTAX = -1, LVJ_NOMEM = -2 };

/* lvj_parse reads exactly one JSON value from in[0, len) (white space around it allowed) into *out.
 * On LVJ_OK the caller frees *arena with lvj_free; on failure nothing is left allocated. */
int lvj_parse(const char *in, size_t len, lvj_arena **arena, lvj **out);
void lvj_free(lvj_arena *arena);

/* lvj_folds reports whether name matches the ASCII lower-case field name as Go matches struct fields:
 * exactly or with simple case folding (so "SUB", "Sub" and "\u017fub" are all "sub"). */
int lvj_folds(const char *name, size_t n, const char *field);

/* lvj_int reads an integer literal in the range of int64 (no fraction, no exponent); 0 when it is not. */
int lvj_int(const lvj *num, int64_t *out);

/*
 * Struct-field reads, as Go decodes an object into a struct: the members whose names fold to field, in
 * order; a later member overrides, null changes nothing, and any non-null member of another type is an
 * error even when overridden. Each returns 1 when fine (the value, or the default when absent) and 0 on a
 * type error.
 */
int lvj_field_str(const lvj *obj, const char *field, const char **s, size_t *n);
int lvj_field_int(const lvj *obj, const char *field, int64_t *v);
int lvj_field_bool(const lvj *obj, const char *field, int *v);
int lvj_field_type(const lvj *obj, const char *field, int type, const lvj **v); /* *v NULL when absent */
int lvj_has(const lvj *obj, const char *field);

#endif
