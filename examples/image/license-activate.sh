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
# Exit status: 0 installed (and APP_SERVICE restarted, under systemd); otherwise licentia-verify's status
# (1 invalid, 2 expired, 4 wrong product, 5 revoked/frozen/released, 66 unreadable), or 78 when the
# configuration is incomplete. A refusal says in English and Chinese what the buyer should do next.
# The code is never put on a command line or in a log: it travels through files and standard input.
set -eu
conf=${LICENTIA_CONF:-/etc/myapp/licentia.conf}
[ -r "$conf" ] || { echo "license-activate: cannot read $conf" >&2; exit 78; }
. "$conf"
: "${LICENTIA_PRODUCT:?set LICENTIA_PRODUCT in $conf}" "${LICENTIA_KEYS:?}" "${LICENSE_FILE:?}" "${STATE_FILE:?}"
verify=${LICENTIA_VERIFY:-licentia-verify}
src=${1:-${INPUT_FILE:?}}
systemctl=${SYSTEMCTL:-systemctl}

# refused STATUS: what the buyer should do about a refused code, in English and Chinese, then exit STATUS.
refused() {
	case $1 in
	2) en="the license has expired: renew it on KooGallery, then write the new code again"
	   zh="授权已过期：请在云商店续费后重新写入授权码" ;;
	4) en="the code is for another product: write the code of this product"
	   zh="该授权码属于其他商品：请写入本商品的授权码" ;;
	5) en="the license was revoked, frozen or released: ask the seller, or renew it on KooGallery"
	   zh="授权已被吊销、冻结或释放：请联系商家，或在云商店续费" ;;
	6) en="the clock was set back: fix the time (NTP) and write the code again"
	   zh="系统时间被回拨：请校正时间（NTP）后重新写入授权码" ;;
	8) en="the code is bound to another machine, or every seat of the license is taken: free a seat on the buyer page, or buy more"
	   zh="该授权码绑定的是另一台机器，或许可证的席位已用完：请在买家页面释放一个席位，或增购数量" ;;
	66) en="no code found: copy the code from KooGallery into $INPUT_FILE"
	   zh="未找到授权码：请把云商店中的授权码写入 $INPUT_FILE" ;;
	*) en="the code was not accepted: copy it again from KooGallery (or the seller's e-mail) into $INPUT_FILE"
	   zh="授权码未通过校验：请从云商店（或商家邮件）重新复制授权码写入 $INPUT_FILE" ;;
	esac
	echo "license-activate: $en" >&2
	echo "license-activate: $zh" >&2
	exit "$1"
}

umask 077
mkdir -p "$(dirname "$LICENSE_FILE")" "$(dirname "$STATE_FILE")"
tmp=$(mktemp "$(dirname "$LICENSE_FILE")/.license-input.XXXXXX")
trap 'rm -f "$tmp"' EXIT
if [ "$src" = - ]; then cat >"$tmp"; else cat -- "$src" >"$tmp"; fi
# Keep only the code: no white space, no line breaks (as pasted from an e-mail).
code=$(tr -d ' \t\r\n' <"$tmp")
[ -n "$code" ] || { echo "license-activate: no code in $src" >&2; refused 66; }
printf '%s\n' "$code" >"$tmp"

case "$code" in
eyJ*.*.*)
	# A licentia code: install it only if it verifies for this product.
	status=0
	"$verify" --keys "$LICENTIA_KEYS" --product "$LICENTIA_PRODUCT" --state "$STATE_FILE" \
		${LICENTIA_DEPLOYMENT:+--deployment "$LICENTIA_DEPLOYMENT"} - <"$tmp" || status=$?
	if [ "$status" -ne 0 ]; then
		echo "license-activate: the code was refused (licentia-verify exit $status); nothing installed" >&2
		refused "$status"
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
		--activate "$LICENTIA_URL" --save "$LICENSE_FILE" ${LICENTIA_DEPLOYMENT:+--deployment "$LICENTIA_DEPLOYMENT"} - <"$tmp" || status=$?
	if [ "$status" -ne 0 ]; then
		echo "license-activate: activation failed (licentia-verify exit $status); nothing installed" >&2
		refused "$status"
	fi
	# ---- end of ACTIVATION ----
	;;
esac
chmod 600 "$LICENSE_FILE"
# The input has served its purpose; do not leave the code lying around.
if [ "$src" != - ] && [ -w "$src" ]; then rm -f -- "$src"; fi
echo "license-activate: license installed in $LICENSE_FILE"
echo "license-activate: 授权已安装：$LICENSE_FILE"
# The application may have failed to start without a license: (re)start it now that there is one.
if [ -n "${APP_SERVICE:-}" ] && command -v "$systemctl" >/dev/null 2>&1; then
	"$systemctl" --no-block restart "$APP_SERVICE" || true
fi
