package simulator

import (
	"slices"
	"strings"

	"github.com/licentia/licentia/server/koogallery"
)

// Calls of the KooGallery OpenAPI the seller makes, as the scenarios name what they play (the marketplace's calls
// to the seller are named by their activity).
const (
	callActivate   = string(koogallery.APIActivate)
	callQuery      = string(koogallery.APIQuery)
	callQueryOrder = string(koogallery.APIQueryOrder)
	callUpload     = string(koogallery.APIUploadEvent)
	callUsage      = string(koogallery.APIUsage)
)

// topics are the topic ids of the official pages (support.huaweicloud.com) of each call a scenario plays; the
// pages in the conformance corpus (server/koogallery/conformance) come first where a call has several. A call
// with no page found has none. docs/koogallery.md "The official pages, call by call" says which pages are in the
// corpus.
var topics = map[string][]string{
	koogallery.ActivityGetLicense:              {"0000001353181669"},
	koogallery.ActivityRefreshLicense:          {"0000001353381237"},
	koogallery.ActivityExpireLicense:           nil,
	koogallery.ActivityReleaseLicense:          {"0000001353261785"},
	koogallery.ActivityNewInstance:             {"0070649427", "0070649092", "0070649251", "0070649476"},
	koogallery.ActivityRefreshInstance:         {"0070649094"},
	koogallery.ActivityUpdateInstanceStatus:    {"0070649095"},
	koogallery.ActivityReleaseInstance:         {"0070649096"},
	koogallery.ActivityQueryInstance:           {"0070649093", "0070649428"},
	koogallery.ActivityGetLicenseAsync:         {"0070649255"},
	koogallery.ActivityRefreshLicenseCode:      {"0070649167"},
	koogallery.ActivityUpdateLicenseCodeStatus: {"0070649168"},
	koogallery.ActivityReleaseLicenseCode:      {"0070649169"},
	koogallery.ActivityOrderNotify:             {"0000002091799149", "0000002091799153"},
	callActivate:                               {"0070649244"},
	callQuery:                                  {"0070649245"},
	callQueryOrder:                             {"0070649116"},
	callUpload:                                 {"0070649351"},
	callUsage:                                  {"0000002290055385"},
}

// Topics returns the topic ids of the official pages of the calls the scenario plays, in the order it names the
// calls, each once.
func (sc Scenario) Topics() []string {
	var out []string
	for _, c := range sc.Plays {
		for _, t := range topics[c] {
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	return out
}

// describe appends the topic ids the scenario plays to its summary.
func (sc Scenario) describe() Scenario {
	if t := sc.Topics(); len(t) > 0 {
		sc.Summary += " (topics " + strings.Join(t, ", ") + ")"
	}
	return sc
}
