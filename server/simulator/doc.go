// Package simulator plays Huawei Cloud KooGallery (华为云云商店) against a seller's license server, so a
// seller can check a deployment before registering its production URL in the seller console, and so
// licentia's own tests can drive it end to end. It works against any seller that implements the
// marketplace's production interface for License products, not only licentia.
//
// The simulator signs requests the way the marketplace does — authToken for License 1.0 GET calls;
// signature, timestamp and nonce for the POST calls of the instance flow and License 2.0 — and checks
// every answer: HTTP 200, a JSON object with a six-digit string resultCode, string fields within the
// marketplace's lengths, and a Body-Sign header that verifies over the exact body with the access key
// (mandatory for License 1.0 answers; checked on POST answers when present).
//
// # Scenarios
//
// Run plays named scenarios (see Scenarios): purchases in both flows and per order line, a storm of
// concurrent resends, renewals (also resent and out of order), unrenewal, trial to formal, freeze and
// unfreeze, release (also twice), probes with testFlag=1, forged, stale and replayed requests, and the
// marketplace's retry schedules with lost answers, compressed in time (Config.RetryInterval between
// attempts).
//
// # Only what the pages document
//
// Every call sends only the fields its official page documents; each scenario names the topic ids of the pages
// it plays (Scenario.Plays, Scenario.Topics, and its Summary). A newInstance carries only activity, orderId,
// orderLineId, businessId and testFlag (topics 0070649427, 0070649092): the product, SKU, customer, expiry and
// quantity are in the marketplace's order, which the scenarios hold in the OpenAPI stand-in before they call and
// the seller fetches with the order query (0070649116). When the seller answers 000004 (still processing), the
// scenarios ask with queryInstance and the instanceId that answer named (0070649093, 0070649428), as the
// marketplace does. Without the stand-in the newInstance steps are skipped and the License 1.0 getLicense, whose
// parameters carry the purchase, is played alone. The tests check every call a seller accepted against the
// conformance corpus (server/koogallery/conformance).
//
// # License 2.0 and G1b
//
// The marketplace generates License 2.0 codes and the seller activates them through the KooGallery OpenAPI.
// With Config.Market, a stand-in for that OpenAPI (package market) the seller is pointed at, the scenarios add
// codes to it and key every License 2.0 callback on them: activation (once, twice, concurrently), codes not
// received or unknown, callbacks and a release before activation, the daily query, a wrong SK, G1b
// getLicenseAsync with its upload, and the order query of a newInstance. Activation and refresh are
// licentia's own endpoints (POST /v1/activations, /v1/codes/refresh): for a seller without them those steps
// are skipped, while the callbacks, uploads and order queries are checked for every seller.
//
// # What can be observed
//
// Only the seller's answers are visible, so state is checked through them: result codes, the instanceId,
// and the license returned by a resent create (KooGallery resends creates with a fresh businessId and
// expects the same instanceId). Checks that need the license's state — generation, expiry, status,
// product, test flag — run only when the license is a licentia code (a JWS with typ licentia+jwt); its
// payload is decoded without trusting it, or verified when Config.Keys holds the seller's public keys.
// For any other seller these steps are reported as skipped, never failed, and after a release no resent
// create is expected at all. Generic checks (same instanceId and license on every resend while nothing
// changed, refusals of forged requests, no forged businessId ever becoming an instanceId) apply to every
// seller.
//
// # Words
//
// Every step and every explanation the simulator writes itself is kept in the report as a Text (Result.StepText,
// Result.ReasonText): an English format and its arguments, so a report can be shown in another language by
// translating the format and formatting the same arguments (licentia simulate --lang zh-CN does). Result.Step and
// Result.Reason, and the JSON report, are the English. Values from the marketplace or the seller — ids, result
// codes, resultMsg, answers — are arguments, never part of a format; a reason that quotes the seller's answer or an
// error from outside the simulator has no Text and is shown as it is.
//
// Every order id and businessId of a run starts with Config.Prefix, unique per run by default, so runs
// never collide on one server. Each run leaves its licenses behind (released or not); they are marked by
// the prefix and the SIM-P-* product ids.
package simulator
