// Package market is a stand-in for the KooGallery (华为云云商店) OpenAPI that a License seller calls — activate
// (v1 and v2), the daily query (heartbeat), the order query, the market-event file upload and the usage report
// (授权码软件使用统计; docs/koogallery.md) — so that a seller's server can be tested end to end on loopback. It is a
// real HTTP server on 127.0.0.1 (Start, URL, Close); point the seller's OpenAPI base URL at URL().
//
// # The gateway
//
// Like Huawei API Gateway in front of the real OpenAPI, it first checks the App signature of every request
// against the configured AK/SK (X-Sdk-Date within 15 minutes) with an implementation of its own, not
// licentia's signer: written from the gateway's signing description and checked against the published test
// values of Huawei Cloud's Go SDK (conformance.LoadSDKVectors), so a seller whose signer departs from the
// gateway's rules fails here as it would there. A wrong SK, another
// AK, a tampered request or a stale date get APIG.0303 with HTTP 401, as the gateway answers. An unpublished
// path gets APIG.0101 with HTTP 404.
//
// # The marketplace
//
// Behind the gateway it answers from its own state with the documented codes and statuses: a code not yet
// received by the buyer → 92020004; a received code activates (92020000 with license_code_info as a JSON
// string); a second activate → 92020003; an unknown code → 92020005; a query of a code never activated →
// 92020011, otherwise its status (ALIVE, EXPIRED, RELEASED) and expiry; orders for the order query (MKT.0000,
// unknown → MKT.9001); market-event uploads are recorded (Uploads); usage reports are checked against the
// page's tables (at most 100 codes, 100 items each, exactly one of id and active_num per item) and recorded
// (UsageCalls), a report naming a code never activated refused whole with 92020020. Malformed requests get
// 95000001–95000004.
//
// # Test controls
//
// AddCode, SetState, SetExpiry and AddOrder change the state as the marketplace does on purchase, receipt,
// renewal, freeze, expiry and release; Code reads a code back (with its count of activations); Calls counts
// answers by API and code; SetSK changes the secret key the gateway accepts (the seller's SK is then wrong).
// Faults: FailNext (5xx for the next N calls), LoseAnswers (the call takes effect and the connection closes
// without an answer), SetLatency, and SetUnreachable (connections refused).
//
// The package imports only server/koogallery, the code statuses of server/license (MarketAlive, …),
// internal/loopback and the standard library.
package market
