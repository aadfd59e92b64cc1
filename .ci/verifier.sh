#!/usr/bin/env bash
# Runs the Python and Node.js verifiers printed in docs/code-format.md, exactly as printed, against the
# golden vectors (verifier/testdata/vectors.json): every vector without a state file must get its
# expected reason and in_grace, the forged and tampered ones included. Offline; about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v python3 >/dev/null || need+=(python3)
python3 -c 'import cryptography' 2>/dev/null || need+=(python3-cryptography)
command -v node >/dev/null || need+=(nodejs)
if [ ${#need[@]} -gt 0 ]; then
	timeout 300 apt-get update -qq
	timeout 600 apt-get install -y -qq "${need[@]}"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# block HEADING LANG: the first ```LANG block after the line "## HEADING".
block() {
	awk -v h="## $1" -v open="\`\`\`$2" '
		$0 == h { sect = 1; next }
		sect && $0 == open { inb = 1; next }
		inb && $0 == "```" { exit }
		inb { print }
	' docs/code-format.md
}
block "Python (cryptography)" python >"$work/licentia_verify.py"
block "Node.js (node:crypto)" js >"$work/licentia-verify.mjs"
for f in "$work/licentia_verify.py" "$work/licentia-verify.mjs"; do
	[ -s "$f" ] || { echo "no code block for $(basename "$f") in docs/code-format.md"; exit 1; }
done

cat >"$work/vectors.py" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
from licentia_verify import Invalid, load_keys, verify, verify_list
vf = json.load(open(sys.argv[2]))
keys = load_keys(vf["public_key_pem"].encode())
_, min_gen = verify_list(vf["revocations"], keys)
o, passed, failed = vf["options"], 0, 0
for v in vf["vectors"]:
    if v.get("state"):
        continue
    try:
        _, in_grace = verify(v["code"], keys, o["product"], sku=o["sku"], issuer=o["issuer"], min_gen=min_gen,
                             now=vf["now_unix"], allow_test=v.get("allow_test", False))
        got = ("valid", in_grace)
    except Invalid as e:
        got = (e.args[0], False)
    if got == (v["want"]["reason"], v["want"]["in_grace"]):
        passed += 1
    else:
        failed += 1
        print("python: %s: got %s, want %s" % (v["name"], got, (v["want"]["reason"], v["want"]["in_grace"])))
print("python: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed or not passed else 0)
PY

cat >"$work/vectors.mjs" <<'JS'
import { readFileSync } from 'node:fs';
const { Invalid, loadKeys, verify, verifyList } = await import(process.argv[2] + '/licentia-verify.mjs');
const vf = JSON.parse(readFileSync(process.argv[3], 'utf8'));
const keys = loadKeys([vf.public_key_pem]);
const { minGen } = verifyList(vf.revocations, keys);
let passed = 0, failed = 0;
for (const v of vf.vectors) {
  if (v.state) continue;
  let got;
  try {
    const r = verify(v.code, keys, { ...vf.options, minGen, now: vf.now_unix, allowTest: !!v.allow_test });
    got = ['valid', r.inGrace];
  } catch (e) {
    if (!(e instanceof Invalid)) throw e;
    got = [e.message, false];
  }
  if (got[0] === v.want.reason && got[1] === v.want.in_grace) passed++;
  else { failed++; console.log(`node: ${v.name}: got ${got}, want ${v.want.reason},${v.want.in_grace}`); }
}
console.log(`node: ${passed} passed, ${failed} failed`);
process.exit(failed || !passed ? 1 : 0);
JS

vectors=verifier/testdata/vectors.json
timeout 60 python3 "$work/vectors.py" "$work" "$vectors"
timeout 60 node "$work/vectors.mjs" "$work" "$vectors"
