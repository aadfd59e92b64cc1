#!/usr/bin/env python3
"""Verify a licentia authorization code offline with the licentia-verify package (licentia_verify).

Usage: verify.py JWKS_FILE CODE      (CODE "-" reads the code from standard input)

Environment: LICENTIA_PRODUCT (accepted pid or pids entry) or LICENTIA_SKU (accepted sku), one of them required unless
LICENTIA_ANY_PRODUCT=1; optional LICENTIA_ISSUER (accepted iss), LICENTIA_ALLOW_TEST=1 (accept marketplace
test codes), LICENTIA_NOW (unix seconds to judge the code at, instead of the clock), LICENTIA_REVOCATIONS
(file of the signed list from GET /v1/revocations), LICENTIA_STATE (state file, shared with licentia-verify),
LICENTIA_DEPLOYMENT_FILE (this installation's deployment as JSON, {"id": ..., "components": {...}}: a code bound
to a deployment must match it).

Prints the verified claims as JSON and exits 0 when the code is valid; prints the reason on standard
error and exits 1 when it is not (8 when it is bound to another deployment, as licentia-verify); exits 64 on
a usage error and 66 when the deployment file cannot be read or is out of bounds.
"""

import json
import os
import sys

import licentia_verify as lv


class UnusableDeployment(Exception):
    pass


def read_deployment(path):
    """The deployment in the JSON file at path (None without one). Its values are never printed."""
    if not path:
        return None
    try:
        with open(path, "rb") as f:
            doc = json.loads(f.read(1 << 20))
    except OSError as e:
        raise UnusableDeployment("无法读取 / cannot read it (%s)" % e.strerror) from None
    except ValueError:
        raise UnusableDeployment("不是 JSON / not JSON") from None
    try:
        return lv.Deployment.of(doc)
    except (ValueError, TypeError) as e:
        raise UnusableDeployment("deployment_error: %s" % e) from None


def main(argv, env):
    binding = {"product": env.get("LICENTIA_PRODUCT") or None, "sku": env.get("LICENTIA_SKU") or None,
               "any_product": env.get("LICENTIA_ANY_PRODUCT") == "1"}
    if len(argv) != 3 or not any(binding.values()):
        print("usage: verify.py JWKS_FILE CODE   (CODE - reads standard input)\n"
              "       with LICENTIA_PRODUCT or LICENTIA_SKU set (or LICENTIA_ANY_PRODUCT=1)\n"
              "用法：verify.py 公钥文件 授权码（授权码为 - 时从标准输入读取），并设置 LICENTIA_PRODUCT 或 LICENTIA_SKU"
              "（或 LICENTIA_ANY_PRODUCT=1）", file=sys.stderr)
        return 64
    try:
        keys = lv.Keyring.from_file(argv[1])
        code = sys.stdin.read(1 << 20) if argv[2] == "-" else argv[2]
        revs = None
        if env.get("LICENTIA_REVOCATIONS"):
            with open(env["LICENTIA_REVOCATIONS"], "rb") as f:
                revs = lv.parse_revocations(keys, f.read())
        state = lv.State.open(env["LICENTIA_STATE"]) if env.get("LICENTIA_STATE") else None
        now = int(env["LICENTIA_NOW"]) if env.get("LICENTIA_NOW") else None
        deployment = read_deployment(env.get("LICENTIA_DEPLOYMENT_FILE"))
        verifier = lv.Verifier(keys, **binding, issuer=env.get("LICENTIA_ISSUER", ""),
                               allow_test=env.get("LICENTIA_ALLOW_TEST") == "1", revocations=revs, state=state,
                               now=(lambda: now) if now is not None else None, deployment=deployment)
        result = verifier.check(code)
    except UnusableDeployment as e:
        print("verify.py: 部署文件 / deployment file: %s" % e, file=sys.stderr)
        return 66
    except lv.VerificationError as e:
        print("verify.py: 授权码无效 / invalid code: %s" % e.reason, file=sys.stderr)
        return 8 if e.reason == "wrong_deployment" else 1
    except (OSError, ValueError) as e:
        print("verify.py: %s" % e, file=sys.stderr)
        return 1
    if result.in_grace:
        print("verify.py: 授权已到期，处于宽限期内，请续费 / the license has expired and is in its grace period; renew it",
              file=sys.stderr)
    print(json.dumps(result.claims.to_dict(), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv, os.environ))
