// Package conformance holds KooGallery's (华为云云商店) official interface pages as they print them: every
// request and answer example of the pages licentia implements, their parameter tables (required fields, types,
// maximum lengths) and result codes, one JSON file per page under pages/, embedded so that the seller's server
// tests, the marketplace stand-in's tests and the simulator read the same corpus.
//
// # What an entry records
//
// A Page names its topic id, its support.huaweicloud.com address and the update date (更新时间) it prints, and
// says in Read which sections the stored copy showed and where it stopped. An Example is one printed request or
// answer: Printed is the text exactly as the page prints it (masked values, comments and all), Body the
// replayable JSON. Every value the page masks (RA2****4LVS, 11C4C*****…) or prints as a placeholder
// (PLXXXXXX) has a concrete, well-formed value in Body and a Fill saying what was printed and why it was
// filled; no masked value is left in a Body. An example built from a parameter table because the stored copy
// of the page stops before its example says so (Source "table"); one built from what a page's notes say a call
// carries, because no stored copy prints a table or an example of it, says so too (Source "notes"), and every
// field of its Body is a Fill naming the note it comes from. Expect is the answer the example must get and
// where that expectation comes from. Where pages disagree, Disagreements keeps both readings and says which
// one licentia follows.
//
// # Rules
//
// Load and Parse refuse a page without a topic id, a support.huaweicloud.com address naming that topic, or an
// update date; an example without an id, method, target or expectation; a Body that is not a JSON object or
// still holds a masked value; a Fill whose path does not hold its value; a request whose parameters (its Body,
// or a GET's URL parameters) do not fit the page's own request table (a required field missing, a value over
// its maximum length; see Shape). The pages are the truth about the marketplace; the corpus is the record of
// what they print, and tests replay it against licentia (see server/conformance_test.go) and against the
// OpenAPI stand-in (server/simulator/market).
package conformance
