#!/bin/sh
# The license check of an image product: at the application's start (ExecStartPre) and daily (the timer),
# since the marketplace asks for a query on the first use of each day.
#
#   license-check.sh
#
# Online when it can be: with LICENTIA_URL set, licentia-verify --refresh trades the installed code for the
# license's current one (after a renewal, a freeze, a reissue) and fetches the revocation list; when the
# server cannot be reached it checks the installed code offline. The outcome goes to STATUS_FILE as
# licentia-verify's JSON report, and the exit status is licentia-verify's (cmd/licentia-verify's exit table):
#   0 valid (also in grace: "in_grace": true; the software should urge a renewal)
#   1 invalid code, 2 expired, 3 not yet valid, 4 wrong product or test code,
#   5 revoked, superseded, frozen or released, 6 clock set back, 64 misconfigured, 66 no code installed
# On anything but 0 the application's unit (APP_SERVICE) is stopped: the software must not run.
set -eu
conf=${LICENTIA_CONF:-/etc/myapp/licentia.conf}
[ -r "$conf" ] || { echo "license-check: cannot read $conf" >&2; exit 78; }
. "$conf"
: "${LICENTIA_PRODUCT:?set LICENTIA_PRODUCT in $conf}" "${LICENTIA_KEYS:?}" "${LICENSE_FILE:?}" "${STATE_FILE:?}" "${STATUS_FILE:?}"
verify=${LICENTIA_VERIFY:-licentia-verify}

umask 077
mkdir -p "$(dirname "$STATUS_FILE")" "$(dirname "$STATE_FILE")"
set -- --keys "$LICENTIA_KEYS" --product "$LICENTIA_PRODUCT" --state "$STATE_FILE" --json
if [ -n "${LICENTIA_URL:-}" ]; then
	set -- "$@" --refresh "$LICENTIA_URL" --save "$LICENSE_FILE"
fi
if [ -n "${LICENTIA_DEPLOYMENT:-}" ]; then
	set -- "$@" --deployment "$LICENTIA_DEPLOYMENT"
fi
status=0
if [ -r "$LICENSE_FILE" ]; then
	"$verify" "$@" - <"$LICENSE_FILE" >"$STATUS_FILE.tmp" || status=$?
else
	printf '{"valid":false,"reason":"no_license"}\n' >"$STATUS_FILE.tmp"
	status=66
fi
chmod 644 "$STATUS_FILE.tmp"
mv -f "$STATUS_FILE.tmp" "$STATUS_FILE"

case $status in
0)
	if grep -q '"in_grace": *true' "$STATUS_FILE"; then
		echo "license-check: the license has expired and is in its grace period: renew it on KooGallery" >&2
		echo "license-check: 授权已过期，正处于宽限期：请尽快在云商店续费" >&2
	fi
	exit 0 ;;
1) what="the installed code is not valid: write the code from KooGallery into ${INPUT_FILE:-the input file}"
   zh="已安装的授权码无效：请把云商店中的授权码写入 ${INPUT_FILE:-授权码文件}" ;;
2) what="the license has expired: renew it on KooGallery (the next check picks the renewal up)"
   zh="授权已过期：请在云商店续费（下次检查会自动获取续费后的授权）" ;;
3) what="the license has not started yet (or the clock is wrong)"
   zh="授权尚未生效（或系统时间有误）" ;;
4) what="the code is for another product or is a marketplace test code"
   zh="该授权码属于其他商品，或是云商店的测试授权码" ;;
5) what="the license was revoked, superseded, frozen or released: renew it, or ask the seller"
   zh="授权已被吊销、更换、冻结或释放：请续费，或联系商家" ;;
6) what="the clock was set back: fix the time (NTP) and check again"
   zh="系统时间被回拨：请校正时间（NTP）后再检查" ;;
8) what="the code is bound to another machine (or every seat is taken): activate this machine, or free a seat on the buyer page"
   zh="该授权码绑定的是另一台机器（或席位已用完）：请激活本机，或在买家页面释放一个席位" ;;
66) what="no license installed: write the code from KooGallery into ${INPUT_FILE:-the input file}"
   zh="尚未安装授权：请把云商店中的授权码写入 ${INPUT_FILE:-授权码文件}" ;;
*) what="the license check is misconfigured (licentia-verify exit $status)"
   zh="授权检查配置有误（licentia-verify 退出码 $status）" ;;
esac
echo "license-check: $what" >&2
echo "license-check: $zh" >&2
systemctl=${SYSTEMCTL:-systemctl}
if [ -n "${APP_SERVICE:-}" ] && command -v "$systemctl" >/dev/null 2>&1; then
	"$systemctl" --no-block stop "$APP_SERVICE" || true
fi
exit "$status"
