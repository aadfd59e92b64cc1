package main

import (
	"strings"

	"github.com/licentia/licentia/server/simulator"
)

// scenarioSummariesZH says in Chinese what each simulate scenario plays (simulator.Scenario.Summary in
// English); TestScenarioSummariesZH checks that every scenario has one. Activity names, result codes and
// fields stay as the marketplace spells them.
var scenarioSummariesZH = map[string]string{
	"purchase":                    "getLicense 和 newInstance 创建许可证；重发得到相同应答",
	"resend-storm":                "同一订单的 N 个并发首次创建：一个 instanceId，一个许可证",
	"order-lines":                 "同一订单的两个订单行：两个许可证，各自的重发得到各自的应答",
	"renewal":                     "refreshInstance 和 refreshLicense（续费）推后到期时间",
	"resent-renewal":              "同一续费发送两次，许可证只变一次",
	"unrenewal":                   "UNSUBSCRIBE_RENEWAL_PERIOD（退订续费周期）提前到期时间",
	"out-of-order-renewals":       "较晚的续费先到，不会被较早的续费撤销",
	"trial-to-formal":             "refreshInstance TRIAL_TO_FORMAL（试用转正式）改变商品和到期时间",
	"freeze-unfreeze":             "FREEZE 和 UNFREEZE（冻结、解冻）各两次；License 1.0 的 expireLicense",
	"release":                     "releaseInstance 和 releaseLicense（释放）",
	"release-twice":               "第二次释放的应答为 000000",
	"probes":                      "虚构 ID 上的 testFlag=1 调用成功、重复相同应答、不触及真实许可证",
	"negative":                    "错误签名、错误密钥、过期时间戳、重放的 nonce、被篡改的请求体都被拒绝",
	"retry-legacy-create":         "getLicense 的应答丢失，随后每小时重试 3 次（已压缩）",
	"retry-callbacks":             "续费和冻结的应答丢失，随后每 2 分钟重试，共 60 次（已压缩）",
	"activate":                    "License 2.0：已收到的云商店授权码被激活，到期时间取自查询（§2.6）",
	"activate-twice":              "第二次激活：相同的许可证和授权码，不再调用激活接口",
	"concurrent-activations":      "同一授权码的 N 个并发激活：一个许可证，一次激活调用",
	"not-received":                "买家尚未收到的授权码：409 not_received，收到后再激活",
	"unknown-code":                "云商店不认识的授权码：404 not_found",
	"code-callbacks":              "以云商店授权码为键的续费、退订、冻结、解冻、释放（§2.4）",
	"callbacks-before-activation": "授权码激活前的回调：应答 000000，激活时生效",
	"release-before-activation":   "激活前已释放的授权码：409 license_released，绝不签发授权码",
	"daily-query":                 "云商店自己的变更在当天第一次刷新时生效，每天只查询一次",
	"wrong-sk":                    "错误的 SK：激活应答 502 marketplace_unavailable，什么也不写",
	"get-license-async":           "G1b getLicenseAsync：应答 000000，随后授权码上传到云商店（§3）",
	"seats":                       "License 2.0：购买数量为 3 的授权码供三个安装使用；第四个被拒绝，409 seats_exhausted",
	"usage-report":                "License 2.0：每个安装对授权码的使用每天向云商店上报一次，只报哈希，绝不报其 ID",
	"device-quota":                "带设备指纹的 G1b getLicenseAsync：每台设备一个席位，直到订单数量，然后 000900",
	"order-query":                 "只带订单号的 newInstance：商家查询订单（§4）",
	"nested-body":                 "按 HTTP Body签名页面原样发送带 buyerInfo{} 和 orderInfo[] 的 newInstance：应答 000000",
	"order-notify":                "只带订单号的 orderNotify：商家查询订单并应答 000000",
	"lagging-query":               "License 2.0：当天第一次查询之前的续费（查询仍答旧的到期时间）依然有效",
	"period-change":               "License 2.0：续费到另一周期的 productId；授权码仍服务于售出时的商品",
}

// scenarioSummary is sc's summary in l, ending with the topic ids of the official pages of the calls it plays.
func scenarioSummary(l lang, sc simulator.Scenario) string {
	zh, ok := scenarioSummariesZH[sc.Name]
	if l == langEN || !ok {
		return sc.Summary
	}
	if t := sc.Topics(); len(t) > 0 {
		zh += "（主题 " + strings.Join(t, "、") + "）"
	}
	return zh
}
