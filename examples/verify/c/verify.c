/*
 * Verify a licentia authorization code offline with liblicentia_verify (sdk/c).
 *
 * Build: make   (needs liblicentia_verify installed where pkg-config finds it: make -C sdk/c install)
 * Usage: ./verify JWKS_FILE CODE      (CODE "-" reads the code from standard input)
 *
 * Environment: LICENTIA_PRODUCT (accepted pid or pids entry) or LICENTIA_SKU (accepted sku), one of them required unless
 * LICENTIA_ANY_PRODUCT=1; optional LICENTIA_ISSUER (accepted iss), LICENTIA_ALLOW_TEST=1 (accept marketplace
 * test codes), LICENTIA_NOW (unix seconds to judge the code at, instead of the clock), LICENTIA_REVOCATIONS
 * (file of the signed list from GET /v1/revocations), LICENTIA_STATE (state file, shared with licentia-verify),
 * LICENTIA_DEPLOYMENT_FILE (this installation's deployment as JSON, {"id": ..., "components": {...}}: a code bound
 * to a deployment must match it).
 *
 * Prints the verified claims as JSON and exits 0 when the code is valid; prints the reason on standard
 * error and exits 1 when it is not (8 when it is bound to another deployment, as licentia-verify); exits 64 on
 * a usage error and 66 when the deployment file cannot be read or is out of bounds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <licentia_verify.h>

#define MAX_FILE (1 << 20)

static const char *env(const char *name) {
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

/* slurp reads at most MAX_FILE bytes of path ("-": standard input); NULL when it cannot. */
static char *slurp(const char *path, size_t *len) {
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char *buf = f ? malloc(MAX_FILE + 1) : NULL;
	if (buf) {
		*len = fread(buf, 1, MAX_FILE + 1, f);
		if (ferror(f) || *len > MAX_FILE) free(buf), buf = NULL;
	}
	if (f && f != stdin) fclose(f);
	return buf;
}

int main(int argc, char **argv) {
	const char *product = env("LICENTIA_PRODUCT"), *sku = env("LICENTIA_SKU"), *at = env("LICENTIA_NOW");
	lv_keyring *keys = NULL;
	lv_revocations *revs = NULL;
	lv_state *state = NULL;
	lv_deployment *dep = NULL;
	lv_verifier *v = NULL;
	lv_options o;
	lv_result res;
	lv_err err;
	size_t len = 0, code_len;
	char *text, *code = NULL, *rest;
	int64_t now = (int64_t)time(NULL);
	int status = 1;
	lv_options_init(&o);
	o.products = &product, o.n_products = product != NULL;
	o.skus = &sku, o.n_skus = sku != NULL;
	o.any_product = env("LICENTIA_ANY_PRODUCT") && !strcmp(env("LICENTIA_ANY_PRODUCT"), "1");
	o.issuer = env("LICENTIA_ISSUER");
	o.allow_test = env("LICENTIA_ALLOW_TEST") && !strcmp(env("LICENTIA_ALLOW_TEST"), "1");
	if (argc != 3 || (!product && !sku && !o.any_product)) {
		fputs("usage: verify JWKS_FILE CODE   (CODE - reads standard input)\n"
		      "       with LICENTIA_PRODUCT or LICENTIA_SKU set (or LICENTIA_ANY_PRODUCT=1)\n"
		      "用法：verify 公钥文件 授权码（授权码为 - 时从标准输入读取），"
		      "并设置 LICENTIA_PRODUCT 或 LICENTIA_SKU（或 LICENTIA_ANY_PRODUCT=1）\n", stderr);
		return 64;
	}
	if (lv_init() != LV_OK) return 1;
	if (at) {
		errno = 0;
		now = strtoll(at, &rest, 10);
		if (errno || *rest) {
			fputs("verify: LICENTIA_NOW 不是以秒计的 unix 时间 / LICENTIA_NOW is not a unix time in seconds\n", stderr);
			return 1;
		}
	}
	if (!(text = slurp(argv[1], &len)) || (err = lv_keyring_parse(text, len, &keys)) != LV_OK) {
		fprintf(stderr, "verify: %s: %s\n", argv[1], text ? lv_reason_name(err) : "无法读取公钥文件 / cannot read the key file");
		goto out;
	}
	free(text);
	if (env("LICENTIA_REVOCATIONS") && (!(text = slurp(env("LICENTIA_REVOCATIONS"), &len)) ||
	                                    (err = lv_revocations_parse(keys, text, len, &revs)) != LV_OK)) {
		fprintf(stderr, "verify: 吊销列表 / revocation list: %s\n", text ? lv_reason_name(err) : "无法读取 / cannot read it");
		goto out;
	}
	if (env("LICENTIA_REVOCATIONS")) free(text);
	text = NULL;
	if (env("LICENTIA_STATE") && (err = lv_state_open(env("LICENTIA_STATE"), &state)) != LV_OK) {
		fprintf(stderr, "verify: 状态文件 / state file: %s\n", lv_reason_name(err));
		goto out;
	}
	if (env("LICENTIA_DEPLOYMENT_FILE")) {
		if (!(text = slurp(env("LICENTIA_DEPLOYMENT_FILE"), &len)) || (err = lv_deployment_parse(text, len, &dep)) != LV_OK) {
			fprintf(stderr, "verify: 部署文件 / deployment file: %s\n", text ? lv_reason_name(err) : "无法读取 / cannot read it");
			status = 66;
			goto out;
		}
		free(text);
		text = NULL;
	}
	o.revocations = revs, o.state = state, o.deployment = dep;
	if ((err = lv_verifier_new(keys, &o, &v)) != LV_OK) {
		fprintf(stderr, "verify: %s\n", lv_reason_name(err));
		status = lv_exit_status(err);
		goto out;
	}
	if (strcmp(argv[2], "-")) {
		code = strdup(argv[2]), code_len = strlen(argv[2]);
	} else if (!(code = slurp("-", &code_len))) {
		fputs("verify: 无法从标准输入读取授权码 / cannot read the code from standard input\n", stderr);
		goto out;
	}
	if ((err = lv_verify_at(v, code, code_len, now, &res)) != LV_OK) {
		fprintf(stderr, "verify: 授权码无效 / invalid code: %s\n", lv_reason_name(err));
		if (err == LV_WRONG_DEPLOYMENT) status = 8;
	} else {
		char *json = lv_claims_json(&res.claims);
		if (res.in_grace) fputs("verify: 授权已到期，处于宽限期内，请续费 / the license has expired and is in its grace period; renew it\n", stderr);
		if (json) printf("%s\n", json), status = 0;
		free(json);
	}
	lv_result_free(&res);
out:
	free(text);
	free(code);
	lv_verifier_free(v);
	lv_deployment_free(dep);
	lv_state_free(state);
	lv_revocations_free(revs);
	lv_keyring_free(keys);
	return status;
}
