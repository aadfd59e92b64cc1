#!/usr/bin/env bash
# The Go verifier as a buyer's engineer gets it: `go get github.com/licentia/licentia/verifier@vX.Y.Z` in a
# fresh module, then a program that verifies a golden vector. The tagged version is served from a file
# GOPROXY holding this tree as the module zip a tag would give (tracked files only, without the nested
# bench/peers module), so the check needs no tag pushed anywhere; the module's dependencies come from the
# usual proxy or cache. The release step it stands for: docs/code-format.md, "Releasing the Go verifier".
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:$(go env GOPATH 2>/dev/null || echo /root/go)/bin"
. .ci/lib.sh
ci_workdir gomodule
step() { printf '\n== gomodule: %s\n' "$*"; }

mod=$(go list -m)
version=v0.0.0-ci.1
proxy="$work/proxy/$mod/@v"
mkdir -p "$proxy"

step "module zip of $mod@$version"
git ls-files -z | python3 -c '
import os, sys, zipfile
mod, version, out = sys.argv[1:4]
files = [f for f in sys.stdin.buffer.read().decode().split("\0") if f]
nested = {os.path.dirname(f) + "/" for f in files if f.endswith("/go.mod")}
n = 0
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for f in files:
        if any(f.startswith(d) for d in nested) or not os.path.isfile(f) or os.path.islink(f):
            continue
        z.write(f, "%s@%s/%s" % (mod, version, f))
        n += 1
print("%d files" % n)
' "$mod" "$version" "$proxy/$version.zip"
cp go.mod "$proxy/$version.mod"
printf '{"Version":"%s","Time":"2026-01-01T00:00:00Z"}\n' "$version" >"$proxy/$version.info"
printf '%s\n' "$version" >"$proxy/list"

step "go get $mod/verifier@$version in a fresh module"
app="$work/app"
mkdir -p "$app"
cat >"$app/main.go" <<'GO'
// A buyer's program: checks one golden vector with the verifier it got with go get.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/licentia/licentia/verifier"
)

func main() {
	var d struct {
		Now     int64  `json:"now_unix"`
		Keys    string `json:"public_key_pem"`
		Options struct {
			Product string `json:"product"`
			Issuer  string `json:"issuer"`
		} `json:"options"`
		Vectors []struct {
			Name string `json:"name"`
			Code string `json:"code"`
			Want struct {
				Valid bool `json:"valid"`
			} `json:"want"`
		} `json:"vectors"`
	}
	raw, err := os.ReadFile(os.Args[1])
	if err == nil {
		err = json.Unmarshal(raw, &d)
	}
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	kr, err := verifier.ParseKeyring([]byte(d.Keys))
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	v := verifier.New(kr, verifier.WithProduct(d.Options.Product), verifier.WithIssuer(d.Options.Issuer),
		verifier.WithTime(func() time.Time { return time.Unix(d.Now, 0) }))
	for _, vec := range d.Vectors {
		if vec.Name == "valid" {
			c, err := v.Verify(vec.Code)
			if err != nil || !vec.Want.Valid {
				fmt.Println("valid vector:", err)
				os.Exit(1)
			}
			fmt.Println("verified license", c.LicenseID)
			return
		}
	}
	fmt.Println("no vector named valid")
	os.Exit(1)
}
GO
(
	cd "$app"
	# GOSUMDB=off: this tree's zip is made here, not published, so the checksum database cannot know it.
	export GOPROXY="file://$work/proxy,$(go env GOPROXY)" GOSUMDB=off GOFLAGS=-mod=mod GOWORK=off
	go mod init example.com/buyer >/dev/null 2>&1
	go get "$mod/verifier@$version"
	go mod tidy
	grep -q "^require $mod $version\$\|$mod $version\$" go.mod || { echo "go.mod does not require $mod $version:"; cat go.mod; exit 1; }
	# The verifier's dependencies only: nothing of the server reaches a buyer's build.
	if go list -deps . | grep -E 'go-chi|sqlx|mattn/go-sqlite3|jackc/pgx|prometheus|goose'; then
		echo "the buyer's build depends on server packages"; exit 1
	fi
	CGO_ENABLED=0 go build -o buyer .
	./buyer "$OLDPWD/verifier/testdata/vectors.json"
)
step "done"
