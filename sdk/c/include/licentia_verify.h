/*
 * liblicentia_verify: offline verification of licentia authorization codes, in C, on libsodium.
 *
 * It follows verifier/doc.go of the licentia repository check for check and in the same order, and
 * reports the Go verifier's reasons (lv_reason_name). Nothing here keeps global state: a keyring, a
 * revocation list and a verifier are immutable once made and may be shared between threads; a state
 * file handle locks itself. Call sodium_init() (or lv_init()) once before anything else.
 *
 *	lv_keyring *keys;
 *	lv_verifier *v;
 *	lv_options opts;
 *	const char *products[] = {"OFFI001"};
 *	lv_result res;
 *	lv_init();
 *	lv_keyring_parse(jwks, jwks_len, &keys);
 *	lv_options_init(&opts);
 *	opts.products = products, opts.n_products = 1;
 *	lv_verifier_new(keys, &opts, &v);
 *	lv_err err = lv_verify(v, code, strlen(code), &res);
 *	if (err != LV_OK) refuse(lv_reason_name(err));
 *	else if (res.in_grace) warn("renew");
 *	lv_result_free(&res);
 */
#ifndef LICENTIA_VERIFY_H
#define LICENTIA_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LV_VERSION "0.1.0"

#if defined(__GNUC__) && defined(LV_BUILDING)
#define LV_API __attribute__((visibility("default")))
#else
#define LV_API
#endif

/* Outcomes. LV_OK to LV_DEPLOYMENT_ERROR are the Go verifier's reasons; the rest are usage errors. */
typedef enum lv_err {
	LV_OK = 0,              /* "valid" */
	LV_MALFORMED,           /* "malformed": shape, base64url, JSON, a critical header, a claim out of range, size */
	LV_WRONG_TYPE,          /* "wrong_type": typ is not the expected one (also LV_MALFORMED) */
	LV_WRONG_ALGORITHM,     /* "wrong_algorithm": alg is neither EdDSA nor Ed25519 */
	LV_UNKNOWN_KEY,         /* "unknown_key": kid names no trusted key, or is missing */
	LV_BAD_SIGNATURE,       /* "bad_signature" */
	LV_EXPIRED,             /* "expired": exp plus grace (plus leeway) has passed */
	LV_NOT_YET_VALID,       /* "not_yet_valid": nbf (minus leeway) has not come */
	LV_WRONG_ISSUER,        /* "wrong_issuer" */
	LV_WRONG_PRODUCT,       /* "wrong_product" */
	LV_WRONG_SKU,           /* "wrong_sku" (also LV_WRONG_PRODUCT) */
	LV_TEST_CODE,           /* "test_code": a marketplace probe's code, test codes not allowed */
	LV_REVOKED,             /* "revoked": status revoked, or below the revocation list's min_gen */
	LV_SUPERSEDED,          /* "superseded": the state file has seen a newer generation (also LV_REVOKED) */
	LV_INACTIVE,            /* "inactive": status frozen, released or anything but active and revoked */
	LV_STALE_LIST,          /* "stale_list": the revocation list is too old, missing while required, or older than one seen */
	LV_CLOCK_ROLLBACK,      /* "clock_rollback": the clock is behind the state file's trusted time */
	LV_STATE_ERROR,         /* "state_error": the state file cannot be read, parsed or written */
	LV_KEYRING_ERROR,       /* "keyring_error": unusable key material */
	LV_WRONG_DEPLOYMENT,    /* "wrong_deployment": the code is bound (dep) to another deployment than the verifier's */
	LV_DEPLOYMENT_ERROR,    /* "deployment_error": a deployment out of bounds (lv_deployment_new, _add, _parse) */
	LV_ERR_UNBOUND,         /* "unbound": no product, sku or any_product given to lv_verifier_new */
	LV_ERR_INVALID_ARGUMENT, /* "invalid_argument": a NULL where a value is needed, contradicting options */
	LV_ERR_NO_MEMORY        /* "out_of_memory" */
} lv_err;

/* lv_init initialises libsodium; it returns LV_OK, or LV_ERR_NO_MEMORY when libsodium cannot start. */
LV_API lv_err lv_init(void);

/* lv_reason_name returns the stable snake_case name of err ("valid" for LV_OK); never NULL. */
LV_API const char *lv_reason_name(lv_err err);

/* lv_err_is reports whether err is, or is a kind of, target (LV_WRONG_SKU is also LV_WRONG_PRODUCT,
 * LV_SUPERSEDED also LV_REVOKED, LV_WRONG_TYPE also LV_MALFORMED), as Go's errors.Is. */
LV_API int lv_err_is(lv_err err, lv_err target);

/* lv_exit_status returns the exit status licentia-verify gives for err (0 to 8, 66; 64 for usage errors). */
LV_API int lv_exit_status(lv_err err);

/* ---- keys ---- */

typedef struct lv_keyring lv_keyring;

/* lv_keyring_parse reads the trusted keys from one or more PEM "PUBLIC KEY" blocks or a JWKS document
 * (at most 1 MiB). Material with a private part is refused. LV_KEYRING_ERROR when unusable. */
LV_API lv_err lv_keyring_parse(const char *data, size_t len, lv_keyring **out);
LV_API size_t lv_keyring_count(const lv_keyring *kr);
/* lv_keyring_key_id returns the i-th key's id (16 lowercase hex characters), or NULL past the end. */
LV_API const char *lv_keyring_key_id(const lv_keyring *kr, size_t i);
LV_API void lv_keyring_free(lv_keyring *kr);

/* ---- the signed revocation list (GET /v1/revocations) and the revocation document ---- */

typedef struct lv_revocations lv_revocations;

/* The longest answer of GET /v1/revocations read (a whole list or a delta) and the longest revocation
 * document read, white space included; the most deltas a document may hold after its whole list. */
#define LV_MAX_REVOCATION_LIST_SIZE ((size_t)64 << 20)
#define LV_MAX_REVOCATION_DOCUMENT_SIZE ((size_t)128 << 20)
#define LV_MAX_REVOCATION_DELTAS 2048

/* lv_revocations_parse verifies the revocation document data with the keys of kr and makes the list it
 * amounts to. A document is a whole list (the body of GET /v1/revocations, typ "licentia-revocations+jwt")
 * followed by zero or more deltas (bodies of GET /v1/revocations?since=, typ
 * "licentia-revocations-delta+jwt"), one compact JWS per line: lines end with LF, white space around each
 * is ignored, empty lines are skipped. Each delta must continue the list before it (its since no later
 * than that list's iat, its iat no earlier); it sets its min_gen entries, deletes its removed ids and makes
 * its iat the list's. Refused: LV_MALFORMED (also a gap, an older delta, more than LV_MAX_REVOCATION_DELTAS
 * deltas, more than LV_MAX_REVOCATION_DOCUMENT_SIZE bytes), LV_WRONG_TYPE (a document that does not start
 * with a whole list, a whole list or a code where a delta belongs), LV_WRONG_ALGORITHM, LV_UNKNOWN_KEY or
 * LV_BAD_SIGNATURE. */
LV_API lv_err lv_revocations_parse(const lv_keyring *kr, const char *data, size_t len, lv_revocations **out);
/* lv_revocations_append adds body, an answer of GET /v1/revocations as fetched (a whole list or a delta),
 * to the revocation document doc (NULL or empty for none): on LV_OK *out_doc is the new document (malloc'd,
 * NUL-terminated, *out_len bytes; free() it) and *out the list it amounts to. A whole list replaces doc; a
 * delta is verified, checked to continue doc's list and appended on a line of its own (the document then
 * ends with LF). LV_STALE_LIST: body is older than doc's list (a server replica that lags): keep doc.
 * LV_MALFORMED for a delta that leaves a gap, a delta for an empty or invalid doc, or one beyond
 * LV_MAX_REVOCATION_DELTAS: fetch the whole list. Otherwise the errors of lv_revocations_parse, for body
 * (one JWS of at most LV_MAX_REVOCATION_LIST_SIZE bytes) or doc. */
LV_API lv_err lv_revocations_append(const lv_keyring *kr, const char *doc, size_t doc_len, const char *body, size_t body_len,
                                    char **out_doc, size_t *out_len, lv_revocations **out);
/* lv_revocations_compact_due reports whether the document doc is due to be replaced by a whole list
 * fetched anew rather than grow: its deltas together are longer than its whole list, or it holds
 * LV_MAX_REVOCATION_DELTAS deltas. It reads doc's lines without verifying them; an empty document is due. */
LV_API int lv_revocations_compact_due(const char *doc, size_t len);
/* lv_revocations_count returns the number of licenses the list names. */
LV_API size_t lv_revocations_count(const lv_revocations *l);
LV_API int64_t lv_revocations_issued_at(const lv_revocations *l);
/* lv_revocations_min_gen returns the lowest valid generation of license_id, 0 when the list does not name it. */
LV_API int64_t lv_revocations_min_gen(const lv_revocations *l, const char *license_id);
LV_API void lv_revocations_free(lv_revocations *l);

/* ---- the state file (same format as the Go verifier's) ---- */

typedef struct lv_state lv_state;

/* lv_state_open reads the state file at path; a missing file is an empty state, created on first write.
 * An unreadable, empty, corrupt or foreign file is LV_STATE_ERROR and is left untouched. */
LV_API lv_err lv_state_open(const char *path, lv_state **out);
LV_API int64_t lv_state_seen(lv_state *s);
LV_API int64_t lv_state_list_iat(lv_state *s);
LV_API int64_t lv_state_min_gen(lv_state *s, const char *license_id);
LV_API void lv_state_free(lv_state *s);

/* ---- deployment binding (verifier/doc.go, "Deployment binding") ---- */

#define LV_MAX_DEPLOYMENT_ID_LEN 1024 /* characters (code points) of a deployment id (a G1b deviceFingerprint's length) */
#define LV_MAX_COMPONENTS 16          /* component names of one deployment */
#define LV_MAX_COMPONENT_VALUES 16    /* values of one component (a machine's MACs, its disks) */
#define LV_MAX_COMPONENT_NAME_LEN 32  /* bytes of a component name: [a-z][a-z0-9_]* */
#define LV_MAX_COMPONENT_LEN 256      /* characters (code points) of one component value */
#define LV_DEPLOYMENT_SALT_LEN 16     /* bytes of the salt of a "dep" claim */
#define LV_DEPLOYMENT_HASH_CHARS 22   /* a salt or a hash in base64url */

/* One installation of the buyer's software: a stable id and optional components (name → values) such as
 * machine_id, product_uuid, mac, disk, hostname. Every function that makes or changes one checks it as
 * the Go verifier's Deployment.Validate does and returns LV_DEPLOYMENT_ERROR for a deployment out of
 * bounds (no id, an id over 1024 characters, a control character other than white space around a value,
 * not UTF-8, a bad component name, more than 16 components or values, an empty or over-256-character
 * value), leaving it unchanged: a verifier is never given one it would have to skip. */
typedef struct lv_deployment lv_deployment;

/* lv_deployment_new makes the deployment named by the NUL-terminated id alone. */
LV_API lv_err lv_deployment_new(const char *id, lv_deployment **out);
/* lv_deployment_add adds value to the component name (a new component, or another value of it). */
LV_API lv_err lv_deployment_add(lv_deployment *d, const char *name, const char *value);
/* lv_deployment_parse reads a deployment's JSON form (at most 1 MiB), as licentia-verify --deployment FILE
 * takes it: {"id": "...", "components": {"mac": ["...", "..."], "hostname": "..."}}, each component a
 * string or a list of strings, or a plain string for the id alone. */
LV_API lv_err lv_deployment_parse(const char *json, size_t len, lv_deployment **out);
LV_API void lv_deployment_free(lv_deployment *d);

/* lv_deployment_normalize writes the form of value[0, len) that is hashed to out (room for len + 1
 * bytes, NUL-terminated) and returns its length: white space trimmed at both ends (Go's unicode.IsSpace),
 * ASCII A-Z lowered, nothing else changed, and for the component "mac" every ':', '-' and '.' removed. */
LV_API size_t lv_deployment_normalize(const char *name, const char *value, size_t len, char *out);
/* lv_deployment_hash writes the hash a "dep" claim holds for value[0, len) of the component name ("id"
 * for the deployment id) to out: the first 16 bytes of SHA-256(salt ‖ name ‖ 0x00 ‖ normalized value),
 * base64url without padding, NUL-terminated. */
LV_API void lv_deployment_hash(const unsigned char salt[LV_DEPLOYMENT_SALT_LEN], const char *name, const char *value,
                               size_t len, char out[LV_DEPLOYMENT_HASH_CHARS + 1]);

/* The "dep" claim of a code bound to a deployment, well formed (a malformed one makes the code
 * LV_MALFORMED): salted hashes only, every string NUL-terminated base64url. */
typedef struct lv_dep_component {
	char name[LV_MAX_COMPONENT_NAME_LEN + 1];
	size_t n_hashes; /* 1 to LV_MAX_COMPONENT_VALUES */
	char hashes[LV_MAX_COMPONENT_VALUES][LV_DEPLOYMENT_HASH_CHARS + 1];
} lv_dep_component;

typedef struct lv_dep {
	char salt[LV_DEPLOYMENT_HASH_CHARS + 1]; /* s: 16 bytes */
	char id[LV_DEPLOYMENT_HASH_CHARS + 1];   /* id: the hash of the deployment id */
	size_t n_components;                     /* c: 0 for a claim binding the id alone */
	lv_dep_component components[LV_MAX_COMPONENTS]; /* sorted by name */
	int64_t k;                               /* components that must match; 0 without components */
} lv_dep;

/* lv_dep_matches reports whether d is the deployment c binds: at least k of its components match (a
 * component matches when any of d's values for it hashes to any of the claim's), or, for a claim binding
 * the id alone, the id. *matched and *needed (either may be NULL) get the counts, 0 and 0 for an
 * id-only claim. */
LV_API int lv_dep_matches(const lv_dep *c, const lv_deployment *d, size_t *matched, int64_t *needed);

/* ---- the verifier ---- */

#define LV_DEFAULT_ROLLBACK_TOLERANCE 600

/* The most entries a "pids" claim may carry; a code with more is malformed. */
#define LV_MAX_PIDS 8

typedef struct lv_options {
	/* The binding, required: codes of these products (pid) or SKUs (sku), or any_product = 1 to accept a
	 * code of any of the seller's products (one key signs them all: bind a product where you can). */
	const char *const *products;
	size_t n_products;
	const char *const *skus;
	size_t n_skus;
	int any_product;
	const char *issuer;  /* accept only this iss; NULL or "" accepts any */
	int allow_test;      /* accept codes issued to marketplace probe calls (test: true) */
	int64_t leeway;      /* seconds of clock skew tolerated on nbf and exp; default 0 */
	int64_t rollback_tolerance; /* seconds the clock may lag the state's trusted time; default 600 */
	int64_t max_list_age;       /* require a revocation list made at most this many seconds ago; 0: none */
	const lv_revocations *revocations; /* borrowed: must outlive the verifier */
	lv_state *state;                   /* borrowed: must outlive the verifier */
	/* The deployment the software runs as (borrowed: must outlive the verifier). A code bound to a
	 * deployment ("dep") must then match it, else LV_WRONG_DEPLOYMENT; a code without dep passes as
	 * before. NULL (the default): dep is not checked at all, so software that installs deployment-bound
	 * codes must set it. */
	const lv_deployment *deployment;
} lv_options;

/* lv_options_init sets the defaults: no binding (set one), tolerance 600 s, everything else off. */
LV_API void lv_options_init(lv_options *o);

typedef struct lv_verifier lv_verifier;

/* lv_verifier_new makes a verifier trusting kr (borrowed: it must outlive the verifier); it copies the
 * strings of o. LV_ERR_UNBOUND without products, skus or any_product; LV_ERR_INVALID_ARGUMENT when
 * any_product is given with products or skus. */
LV_API lv_err lv_verifier_new(const lv_keyring *kr, const lv_options *o, lv_verifier **out);
LV_API void lv_verifier_free(lv_verifier *v);

/* The claims of a code, wire names in comments. Strings are NUL-terminated copies; a claim holding U+0000
 * is cut there in the string, and its _len member gives the whole length. */
typedef struct lv_claims {
	char *iss; size_t iss_len; /* issuer */
	char *sub; size_t sub_len; /* license id (the instanceId returned to KooGallery) */
	int64_t gen;               /* generation */
	int64_t iat, nbf, exp;     /* unix times; exp 0 for a perpetual license */
	int64_t grace;             /* seconds after exp still accepted */
	char *st; size_t st_len;   /* status */
	char *pid; size_t pid_len; /* KooGallery productId */
	char *sku; size_t sku_len; /* KooGallery skuCode */
	char *ord; size_t ord_len; /* orderId */
	char *oli; size_t oli_len; /* orderLineId */
	char *cid; size_t cid_len; /* customerId */
	int64_t qty;               /* quantity */
	int test;                  /* 1 for a marketplace probe's code */
	/* pids: the other KooGallery productIds the license carried before a renewal changed its product
	 * (a switch between monthly and yearly), oldest first: n_pids entries, none for a license that never
	 * changed product. A product binding accepts a code whose pid or any of these is bound. */
	char *pids[LV_MAX_PIDS]; size_t pids_len[LV_MAX_PIDS]; size_t n_pids;
	lv_dep *dep; /* dep: the deployment the code is bound to, by salted hashes; NULL for a code bound to none */
} lv_claims;

typedef struct lv_result {
	/* 1 when the signature verified: on LV_OK, and on a later refusal (expired, frozen, wrong product...)
	 * so software can say which license failed. Never grant access on claims of a refused code. */
	int has_claims;
	lv_claims claims;
	char *key_id;  /* the kid header when it could be read, else NULL */
	int in_grace;  /* LV_OK past exp but inside grace: software should urge a renewal */
	int64_t at;    /* the unix time the code was judged at */
} lv_result;

/* lv_verify checks code[0, len) at the current time; lv_verify_at at unix time now. White space around
 * the code and line breaks inside are ignored. result may be NULL; otherwise it is filled on every
 * outcome and must be released with lv_result_free. */
LV_API lv_err lv_verify(const lv_verifier *v, const char *code, size_t len, lv_result *result);
LV_API lv_err lv_verify_at(const lv_verifier *v, const char *code, size_t len, int64_t now, lv_result *result);
LV_API void lv_result_free(lv_result *result);

/* lv_claims_json returns the claims as one JSON object in wire order (the form the issuer signs), or NULL
 * when out of memory; free() it. */
LV_API char *lv_claims_json(const lv_claims *c);

#ifdef __cplusplus
}
#endif

#endif
