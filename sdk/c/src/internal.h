/* Internal declarations shared by the files of liblicentia_verify. */
#ifndef LV_INTERNAL_H
#define LV_INTERNAL_H

#include "licentia_verify.h"

#include <stddef.h>
#include <stdint.h>

#define LV_MAX_CODE (8 << 10)    /* a whole code, after cleaning */
#define LV_MAX_PASTED (64 << 10) /* a code as given, white space included */
#define LV_MAX_LIST (32 << 20)   /* a whole revocation list, after cleaning */
#define LV_MAX_HEADER 512        /* the encoded header part */
#define LV_SIGNATURE_CHARS 86    /* the encoded signature part: 64 bytes */
#define LV_MAX_KEYRING (1 << 20) /* a key file */
#define LV_MAX_STATE (16 << 20)  /* a state file */

#define LV_TYPE_CODE "licentia+jwt"
#define LV_TYPE_REVOCATIONS "licentia-revocations+jwt"
#define LV_TYPE_REVOCATIONS_DELTA "licentia-revocations-delta+jwt"

/* lv_b64url decodes in[0, len) as strict base64url (URL alphabet, no padding, zero unused bits) into out,
 * which has room for len * 3 / 4 bytes; it returns 1 and sets *n, or 0 when the text is not canonical. */
int lv_b64url(const char *in, size_t len, unsigned char *out, size_t *n);

/* lv_clean returns a malloc'd copy of s without surrounding white space and inner CR and LF, and its
 * length in *n; NULL when out of memory. */
char *lv_clean(const char *s, size_t len, size_t *n);

/* lv_jws_open checks the cleaned compact JWS raw up to and including its signature (steps 1 to 3) and
 * returns its decoded payload (malloc'd) and the kid header (malloc'd, when it could be read). */
lv_err lv_jws_open(const lv_keyring *kr, const char *raw, size_t len, const char *typ, size_t max_len,
                   unsigned char **payload, size_t *plen, char **kid);

/* lv_jws_typ checks the shape of the trimmed compact JWS raw as lv_jws_open does and decodes its header
 * without verifying anything: LV_OK and its typ in typ[0, *typ_len) (longer than typ_cap: typ_cap + 1,
 * so never equal to an accepted typ), or the error lv_jws_open would return first. */
lv_err lv_jws_typ(const char *raw, size_t len, size_t max_len, char *typ, size_t typ_cap, size_t *typ_len);

/* lv_keyring_key returns the public key with id kid, or NULL. */
const unsigned char *lv_keyring_key(const lv_keyring *kr, const char *kid, size_t kid_len);

/* An id → generation map, sorted by id bytes. */
typedef struct lv_idmap {
	struct lv_identry {
		char *id;
		size_t len;
		int64_t gen;
	} *items;
	size_t n, cap;
} lv_idmap;

int64_t lv_idmap_get(const lv_idmap *m, const char *id, size_t len);
int lv_idmap_set(lv_idmap *m, const char *id, size_t len, int64_t gen); /* 0 when out of memory */
void lv_idmap_del(lv_idmap *m, const char *id, size_t len);
void lv_idmap_free(lv_idmap *m);

/* lv_json_quote appends s[0, n) as a JSON string, escaped as Go's encoding/json escapes it, to the
 * growable buffer *buf (length *len, capacity *cap); 0 when out of memory. */
int lv_json_quote(char **buf, size_t *len, size_t *cap, const char *s, size_t n);
int lv_buf_add(char **buf, size_t *len, size_t *cap, const char *s, size_t n);

struct lvj;

/* lv_dep_decode reads the "dep" members of the claims object doc as Go decodes them into a
 * *DeploymentClaim (null: absent; objects merged; a later member wins) and checks the result is well
 * formed: LV_OK with *out NULL (no dep) or malloc'd, LV_MALFORMED, or LV_ERR_NO_MEMORY. */
lv_err lv_dep_decode(const struct lvj *doc, lv_dep **out);

/* lv_dep_json appends the claim as the issuer writes it: {"s":…,"id":…,"c":{…},"k":n}; 0 when out of memory. */
int lv_dep_json(char **buf, size_t *len, size_t *cap, const lv_dep *c);

int64_t lv_revocations_min_gen_n(const lv_revocations *l, const char *id, size_t len);

/* lv_state_observe is step 7 (verifier/doc.go, "State file"): it checks the authentic claims c at now,
 * records what they teach and writes the file when that changed it. It sets *prev_min and *newer_list. */
lv_err lv_state_observe(lv_state *s, const lv_claims *c, const lv_revocations *l, int64_t now, int64_t tolerance,
                        int64_t *prev_min, int64_t *newer_list);

#endif
