package server

import (
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
)

// The buyer page's languages: Simplified Chinese, the marketplace's own, and English. A request picks
// one with ?lang=zh-CN|en; otherwise its Accept-Language decides (q-values honoured); otherwise Chinese.

// Languages of the buyer page, as BCP 47 tags.
const (
	langZH = "zh-CN"
	langEN = "en"
)

// buyerText is every piece of text the buyer page shows, in one language.
type buyerText struct {
	Lang, Title, Lead                                string
	OtherLang, OtherName                             string // the language switch: tag and name of the other language
	CodeLabel, Check, Placeholder                    string
	StatusHeading, LicenseLabel, ExpiresLabel        string
	GenerationLabel, CurrentCode, Same, Newer, Never string // Newer has one %d: the pasted code's generation
	// The license's seats: SeatsUse has two %d (in use, the limit), SeatsUnlimited one (in use).
	SeatsLabel, SeatsUse, SeatsUnlimited, SeatsNote string
	SeatDeployment, SeatTaken, SeatSeen             string
	// Freeing a seat: the button, and the confirmation that shows the freed seat's hash after FreedLabel.
	FreeSeat, FreedTitle, FreedLabel, FreedNote string
	Status, StatusText                          map[string]string
	Errors                                      map[string]buyerError
	Internal                                    buyerError // any error without an entry in Errors
	// Zone and TimeFormat show an expiry: UTC for English, Beijing time for Chinese.
	Zone       *time.Location
	TimeFormat string
}

// beijing is China Standard Time (UTC+8, no daylight saving), as KooGallery's Chinese pages show times.
var beijing = time.FixedZone("UTC+8", 8*3600)

// buyerTexts holds the page in each language.
var buyerTexts = map[string]*buyerText{
	langEN: {
		Lang: langEN, Title: "Check your license code",
		Lead: "Paste the authorization code you received for your purchase. You will see whether the license " +
			"is active, when it expires, and the current code, which replaces older ones after a renewal.",
		OtherLang: langZH, OtherName: "简体中文",
		CodeLabel: "Authorization code", Check: "Check code", Placeholder: "eyJhbGciOiJFZERTQSIs…",
		StatusHeading: "License status: ", LicenseLabel: "License", ExpiresLabel: "Expires",
		GenerationLabel: "Generation", CurrentCode: "Current code",
		Same:       "The code you pasted is the current one.",
		Newer:      "A newer code replaces the one you pasted (generation %d). Install the code below in place of the old one.",
		Never:      "never (perpetual license)",
		SeatsLabel: "Seats", SeatsUse: "%d of %d in use", SeatsUnlimited: "%d in use (no limit)",
		SeatsNote: "Each installation of your software holds a seat while it uses this license. To move the " +
			"software to another machine when every seat is taken, free the old installation's seat here: another " +
			"installation may then take it, and the old installation's code is no longer renewed there unless a seat " +
			"is free when it next asks.",
		SeatDeployment: "Installation", SeatTaken: "Since", SeatSeen: "Last used",
		FreeSeat: "Free this seat", FreedTitle: "Seat freed", FreedLabel: "The seat of this installation is free: ",
		FreedNote: "Another installation may take it now. The installation that held it no longer gets its code " +
			"renewed unless a seat is free when it next asks. Check your code again to see the current code.",
		Status: map[string]string{
			verdictValid: "Valid", verdictInGrace: "Expired, in grace period", verdictExpired: "Expired",
			verdictNotYet: "Not yet valid", verdictFrozen: "Frozen", verdictReleased: "Released",
			verdictRevoked: "Revoked", verdictUnverified: "Not valid",
		},
		StatusText: map[string]string{
			verdictValid: "Your license is valid: your software accepts this code.",
			verdictInGrace: "Your license has expired. Your software still accepts the code during the grace period, " +
				"for %d more day(s) at most. Renew the order in KooGallery before then, and check here again for the renewed code.",
			verdictExpired: "Your license has expired and its grace period is over: your software no longer accepts the code. " +
				"Renew the order in KooGallery, then check here again for the renewed code.",
			verdictNotYet: "Your license has not started yet: your software accepts the code from the license's start on. " +
				"If it should have started, check the computer's clock, or contact the seller's support.",
			verdictFrozen: "Your license is frozen by the marketplace (for example after the order expired " +
				"without a renewal). The software will not run until the marketplace unfreezes it.",
			verdictReleased: "Your license was released: the order ended or was cancelled. Its codes no longer work.",
			verdictRevoked:  "Your license was revoked by the seller. Its codes no longer work; please contact the seller's support.",
			verdictUnverified: "The current code of this license is not signed by a key this server trusts (the key may " +
				"have been withdrawn). Please contact the seller's support to have it reissued.",
		},
		Errors: map[string]buyerError{
			"bad_request":  {"Nothing to check", "Paste your authorization code into the box, then press Check code."},
			"invalid_code": {"Not a valid code", "This is not an authorization code from this seller, or it is incomplete. Paste the whole code exactly as you received it."},
			"test_code":    {"Test code", "This code was issued to a marketplace test call; no license stands behind it."},
			"not_found":    {"License not found", "This code is genuine, but its license is not known to this server. Please contact the seller's support."},
			"rate_limited": {"Too many attempts", "Please wait a minute and try again."},
			"too_large":    {"Too much text", "That is far longer than an authorization code. Paste just the code."},
			"code_superseded": {"Code replaced", "The seller issued a new code for this license, and the one you pasted " +
				"no longer works or fetches it. Please use the new code from the seller, or contact the seller's support."},
			"code_revoked": {"License revoked", "Your license was revoked by the seller. Its codes no longer work; please contact the seller's support."},
			"seat_not_found": {"Seat not found", "That installation holds no seat of this license; it may have been freed " +
				"already. Check your code again to see the seats in use."},
			"cross_site": {"Request refused", "The request to free a seat did not come from this page. Open this page " +
				"yourself, check your code, and free the seat from the list."},
		},
		Internal:   buyerError{"Something went wrong", "We could not check the code just now. Please try again later."},
		Zone:       time.UTC,
		TimeFormat: "2006-01-02 15:04 UTC",
	},
	langZH: {
		Lang: langZH, Title: "授权码查询",
		Lead:      "请粘贴购买后获得的授权码，即可查看许可证是否有效、何时到期，以及当前的授权码。续费后，新授权码将替代旧授权码。",
		OtherLang: langEN, OtherName: "English",
		CodeLabel: "授权码", Check: "查询", Placeholder: "eyJhbGciOiJFZERTQSIs…",
		StatusHeading: "许可证状态：", LicenseLabel: "许可证编号", ExpiresLabel: "到期时间",
		GenerationLabel: "授权码版本", CurrentCode: "当前授权码",
		Same:       "您粘贴的就是当前的授权码。",
		Newer:      "您粘贴的授权码（第 %d 版）已被新授权码替代，请用下方的授权码替换旧授权码。",
		Never:      "永久有效",
		SeatsLabel: "席位", SeatsUse: "已占用 %d 个，共 %d 个", SeatsUnlimited: "已占用 %d 个（不限数量）",
		SeatsNote: "软件的每个安装在使用本许可证时占用一个席位。席位全部占用后如需把软件迁到另一台机器，可在此释放旧安装的席位：" +
			"释放后其他安装即可占用该席位，旧安装的授权码将不再续期，除非它下次请求时仍有空闲席位。",
		SeatDeployment: "安装", SeatTaken: "占用时间", SeatSeen: "最近使用",
		FreeSeat: "释放此席位", FreedTitle: "席位已释放", FreedLabel: "已释放此安装的席位：",
		FreedNote: "其他安装现在即可占用该席位。原先占用该席位的安装的授权码将不再续期，除非它下次请求时仍有空闲席位。" +
			"如需查看当前的授权码，请重新查询。",
		Status: map[string]string{
			verdictValid: "有效", verdictInGrace: "已到期（宽限期内）", verdictExpired: "已到期",
			verdictNotYet: "尚未生效", verdictFrozen: "已冻结", verdictReleased: "已释放",
			verdictRevoked: "已吊销", verdictUnverified: "无法验证",
		},
		StatusText: map[string]string{
			verdictValid:      "您的许可证有效，软件可以正常使用该授权码。",
			verdictInGrace:    "您的许可证已到期，宽限期内软件仍接受该授权码，最多还剩 %d 天。请在此之前到云商店续费，续费后回到本页查询新的授权码。",
			verdictExpired:    "您的许可证已到期且宽限期已过，软件不再接受该授权码。请到云商店续费，续费后回到本页查询新的授权码。",
			verdictNotYet:     "您的许可证尚未生效，软件自许可证开始时间起接受该授权码。如果许可证应已生效，请检查计算机的时间，或联系商家客服。",
			verdictFrozen:     "您的许可证已被云商店冻结（例如订单到期后未续费），在云商店解冻之前，软件将无法使用。",
			verdictReleased:   "您的许可证已释放：订单已结束或已退订，其授权码均已失效。",
			verdictRevoked:    "您的许可证已被商家吊销，其授权码均已失效。如有疑问，请联系商家客服。",
			verdictUnverified: "该许可证当前的授权码不是由本服务器信任的密钥签发的（该密钥可能已被撤回），请联系商家客服重新签发授权码。",
		},
		Errors: map[string]buyerError{
			"bad_request":  {"未输入授权码", "请将授权码粘贴到输入框中，然后点击“查询”。"},
			"invalid_code": {"授权码无效", "这不是本商家签发的授权码，或授权码不完整。请按收到时的原样粘贴完整的授权码。"},
			"test_code":    {"测试授权码", "该授权码是为云商店的接口调测签发的，没有对应的许可证。"},
			"not_found":    {"未找到许可证", "该授权码真实有效，但本服务器上没有对应的许可证。请联系商家客服。"},
			"rate_limited": {"查询过于频繁", "请等待一分钟后再试。"},
			"too_large":    {"内容过长", "粘贴的内容远超授权码的长度，请只粘贴授权码。"},
			"code_superseded": {"授权码已更换", "商家已为该许可证签发了新的授权码，您粘贴的授权码已失效，也无法再用来获取新授权码。" +
				"请使用商家提供的新授权码，或联系商家客服。"},
			"code_revoked":   {"许可证已吊销", "您的许可证已被商家吊销，其授权码均已失效。如有疑问，请联系商家客服。"},
			"seat_not_found": {"未找到席位", "该安装没有占用本许可证的席位，可能已被释放。请重新查询授权码，查看当前占用的席位。"},
			"cross_site":     {"请求被拒绝", "释放席位的请求不是从本页面发出的。请自行打开本页面，查询授权码后在席位列表中释放。"},
		},
		Internal:   buyerError{"查询出错", "暂时无法查询授权码，请稍后再试。"},
		Zone:       beijing,
		TimeFormat: "2006-01-02 15:04（北京时间）",
	},
}

// buyerLang returns the language of the page for r: a valid ?lang= first, then Accept-Language.
func buyerLang(r *http.Request) string {
	switch strings.ToLower(r.URL.Query().Get("lang")) {
	case "zh-cn", "zh", "zh-hans":
		return langZH
	case "en":
		return langEN
	}
	return negotiateLang(r.Header.Values("Accept-Language"))
}

// buyerLangs are the page's languages as tags, the default first.
var (
	buyerTags    = []language.Tag{language.SimplifiedChinese, language.English}
	buyerMatcher = language.NewMatcher(buyerTags)
)

// negotiateLang picks the page's language from Accept-Language header values (RFC 9110 §12.5.4) with
// golang.org/x/text/language: each entry is parsed on its own (a malformed one is ignored, the rest count), a
// q of 0 excludes its language, and the matcher finds the best of Simplified Chinese and English for the
// ranges in order of weight — Chinese of any script or region is Chinese, "*" stands for any language not
// named. With no usable preference the page is in Chinese.
func negotiateLang(values []string) string {
	var prefs []langPref
	excluded := map[language.Base]bool{}
	for _, v := range values {
		for _, entry := range strings.Split(v, ",") {
			tag, q, ok := parseLangRange(entry)
			if !ok {
				continue
			}
			if tag == "*" {
				prefs = append(prefs, langPref{language.Und, q, true})
				continue
			}
			t, err := language.Parse(tag)
			if err != nil {
				continue
			}
			if q == 0 {
				excluded[baseOf(t)] = true
				continue
			}
			prefs = append(prefs, langPref{t, q, false})
		}
	}
	sort.SliceStable(prefs, func(i, j int) bool { return prefs[i].q > prefs[j].q })
	for _, p := range prefs {
		if p.star { // the first of the page's languages that no range names or excludes
			for _, t := range buyerTags {
				if b := baseOf(t); !excluded[b] && !slices.ContainsFunc(prefs, func(o langPref) bool { return !o.star && baseOf(o.tag) == b }) {
					return langOf(t)
				}
			}
			continue
		}
		if excluded[baseOf(p.tag)] {
			continue
		}
		if _, i, conf := buyerMatcher.Match(p.tag); conf != language.No {
			return langOf(buyerTags[i])
		}
	}
	return langZH
}

// langPref is one Accept-Language range with its weight; star is "*".
type langPref struct {
	tag  language.Tag
	q    float64
	star bool
}

func baseOf(t language.Tag) language.Base {
	b, _ := t.Base()
	return b
}

// langOf is the page language of one of buyerTags.
func langOf(t language.Tag) string {
	if t == language.English {
		return langEN
	}
	return langZH
}

// qvalue is RFC 9110's weight syntax: 0 to 1 with at most three decimals.
var qvalue = regexp.MustCompile(`^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$`)

// parseLangRange parses one Accept-Language entry, "range" or "range;q=0.8", into the lowercase range
// and its weight (1 when absent).
func parseLangRange(entry string) (string, float64, bool) {
	tag, params, _ := strings.Cut(entry, ";")
	tag = strings.ToLower(strings.TrimSpace(tag))
	if tag == "" || len(tag) > 35 {
		return "", 0, false
	}
	weight := 1.0
	if params = strings.TrimSpace(params); params != "" {
		name, value, ok := strings.Cut(params, "=")
		if !ok || strings.ToLower(strings.TrimSpace(name)) != "q" {
			return "", 0, false
		}
		value = strings.TrimSpace(value)
		if !qvalue.MatchString(value) {
			return "", 0, false
		}
		weight, _ = strconv.ParseFloat(value, 64)
	}
	return tag, weight, true
}
