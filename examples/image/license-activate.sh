#!/bin/sh
# First boot of an image product: takes the buyer's code and installs the licentia code it stands for.
#
#   license-activate.sh [CODE_FILE]     (default: INPUT_FILE of the config; "-" reads standard input)
#
# The buyer puts the code into INPUT_FILE (by hand, or through ECS user data at creation) or pipes it in.
# Two kinds of code are accepted:
#   - a licentia code (eyJ…, pasted from the seller or the buyer page): verified offline, then installed;
#   - a KooGallery License 2.0 code (授权码): exchanged for a licentia code at the seller's server with
#     `licentia-verify --activate URL --save FILE`, which makes the marketplace activate it.
# Exit status: 0 installed; otherwise licentia-verify's status (design: 1 invalid, 2 expired, 4 wrong
# product, 5 revoked/frozen/released, 66 unreadable), or 78 when the configuration is incomplete.
# The code is never put on a command line or in a log: it travels through files and standard input.
set -eu
conf=${LICENTIA_CONF:-/etc/myapp/licentia.conf}
[ -r "$conf" ] || { echo "license-activate: cannot read $conf" >&2; exit 78; }
. "$conf"
: "${LICENTIA_PRODUCT:?set LICENTIA_PRODUCT in $conf}" "${LICENTIA_KEYS:?}" "${LICENSE_FILE:?}" "${STATE_FILE:?}"
verify=${LICENTIA_VERIFY:-licentia-verify}
src=${1:-${INPUT_FILE:?}}

umask 077
mkdir -p "$(dirname "$LICENSE_FILE")" "$(dirname "$STATE_FILE")"
tmp=$(mktemp "$(dirname "$LICENSE_FILE")/.license-input.XXXXXX")
trap 'rm -f "$tmp"' EXIT
if [ "$src" = - ]; then cat >"$tmp"; else cat -- "$src" >"$tmp"; fi
# Keep only the code: no white space, no line breaks (as pasted from an e-mail).
code=$(tr -d ' \t\r\n' <"$tmp")
[ -n "$code" ] || { echo "license-activate: no code in $src" >&2; exit 66; }
printf '%s\n' "$code" >"$tmp"

case "$code" in
eyJ*.*.*)
	# A licentia code: install it only if it verifies for this product.
	status=0
	"$verify" --keys "$LICENTIA_KEYS" --product "$LICENTIA_PRODUCT" --state "$STATE_FILE" - <"$tmp" || status=$?
	if [ "$status" -ne 0 ]; then
		echo "license-activate: the code was refused (licentia-verify exit $status); nothing installed" >&2
		exit "$status"
	fi
	mv -f "$tmp" "$LICENSE_FILE"
	;;
*)
	# A KooGallery License 2.0 code.
	# ---- ACTIVATION (License 2.0): needs licentia-verify --activate (docs/image-products.md). ----
	: "${LICENTIA_URL:?a KooGallery code needs LICENTIA_URL in $conf to be activated}"
	if ! "$verify" -h 2>&1 | grep -q -- '-activate'; then
		echo "license-activate: this licentia-verify cannot activate KooGallery codes (no --activate)" >&2
		exit 64
	fi
	status=0
	"$verify" --keys "$LICENTIA_KEYS" --product "$LICENTIA_PRODUCT" --state "$STATE_FILE" \
		--activate "$LICENTIA_URL" --save "$LICENSE_FILE" - <"$tmp" || status=$?
	if [ "$status" -ne 0 ]; then
		echo "license-activate: activation failed (licentia-verify exit $status); nothing installed" >&2
		exit "$status"
	fi
	# ---- end of ACTIVATION ----
	;;
esac
chmod 600 "$LICENSE_FILE"
# The input has served its purpose; do not leave the code lying around.
if [ "$src" != - ] && [ -w "$src" ]; then rm -f -- "$src"; fi
echo "license-activate: license installed in $LICENSE_FILE"
