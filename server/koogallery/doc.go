// Package koogallery implements the wire-format primitives of Huawei Cloud KooGallery (华为云云商店) production
// interfaces for License products: request and response signatures, marketplace time formats, the legacy AES field
// encryption and the API Gateway signing of calls to the KooGallery OpenAPI, and the marketplace's vocabulary
// (activities, scenes, instance statuses, order types, charging modes, result and error codes; the statuses of
// a licence code, ALIVE, EXPIRED and RELEASED, are server/license's MarketAlive, MarketExpired and
// MarketReleased, as the lifecycle decides on them). It uses the standard library only; apart from Caller,
// it holds no state and does no I/O, and callers pass keys and the current time in.
//
// Section numbers (§) group the marketplace protocol by generation — §1 License 1.0, §2 License 2.0 and the
// OpenAPI, §3 G1b, §4 SaaS V2 — as docs/koogallery.md does with the official pages' topic ids.
//
// # License 1.0 (G1, GET callbacks) — §1.3.1, §1.3.2
//
// Requests carry an authToken query parameter, Base64(HMAC-SHA256(accessKey+timeStamp, sorted "k=v&…" of every
// other decoded parameter)); check it with VerifyAuthToken. Responses carry a Body-Sign header over the exact body
// bytes; build it with BodySign. ParseBodySign and VerifyBodySign serve the other side (simulators, tests).
//
// # License 2.0, G1b and SaaS V2 (POST callbacks) — §2.3
//
// KooGallery appends signature, timestamp (Unix milliseconds) and nonce to the URL. Check the signature with
// VerifySignature, which tries the raw body and then its Canonical form, and the clock with ParseTimestamp and
// CheckTimestamp (the docs ask for 60 seconds). Replay protection needs a nonce cache, which is not part of this
// package.
//
// # Times
//
// ParseTime, FormatTime and FormatTimeMillis handle the yyyyMMddHHmmss and yyyyMMddHHmmssSSS forms, always UTC.
//
// # Field encryption — §1.3.3
//
// DeriveAESKey reproduces the Java SHA1PRNG key derivation of KooGallery's samples; EncryptField and DecryptField
// handle the "16-character IV + Base64(AES-CBC/PKCS5)" field format.
//
// # OpenAPI calls — §2.6
//
// SignAPIG adds the API Gateway App signature (SDK-HMAC-SHA256, AK/SK) to an outgoing request; VerifyAPIG is its
// server side (a stand-in for the gateway): it parses the Authorization header strictly (ParseAPIGAuthorization),
// checks X-Sdk-Date within the gateway's 15 minutes (APIGDateWindow) and compares the signature in constant time.
//
// The wire format of the calls is here too: the paths (PathActivate, PathActivateBatch, PathQuery,
// PathQueryOrder, EventFilePath), the API names that label them (APIActivate, …), the request and answer structs
// (ActivateAnswer, whose license_code_info is a JSON string decoded by ActivateData.Info; QueryAnswer; OrderAnswer
// with its MKT.* resultCode; UploadRequest for the multipart market-event upload), and every documented error code
// with the HTTP status it comes with (CodeSuccess … CodeUnreadable, OrderSuccess …, GatewayAppAuth …; LookupCode).
// Unknown answer fields are ignored; Number accepts a documented number sent as a string.
//
// # Playing the marketplace
//
// Caller calls a seller's production URL the way KooGallery does: LegacyRequest and SignedRequest build signed
// calls (SignOption: another key or time, a fixed nonce, upper-case hex, and the forgeries — corrupted, unsigned,
// tampered); Do sends one and returns the Reply, whose Problems list what is wrong with the answer's form (HTTP
// status, JSON, field types and lengths, Body-Sign). The simulator, the load generator and the tests sign through
// it.
//
// # Key rotation and errors
//
// Verifiers take a list of keys and return the index of the one that matched; an empty list or empty keys never
// match, so a misconfigured server rejects everything instead of skipping the check. Failures wrap the sentinels
// ErrAuth, ErrMissing, ErrTimestamp and ErrTime; test them with errors.Is. Nothing here panics on malformed input.
//
// # Interpretations of the spec
//
//   - AuthToken signs the first value of a repeated parameter, and sorts names by bytes (equal to Java's order for
//     ASCII names).
//   - VerifyAuthToken also accepts a token whose '+' characters arrived as spaces.
//   - ParseBodySign rejects a sign_type other than HMAC-SHA256.
//   - Canonical applies the null-dropping and key sorting to nested objects as well, keeps numbers' literal text
//     and sorts keys in Java's UTF-16 order.
//   - ParseTimestamp accepts exactly 13 digits (milliseconds) or 10 digits (seconds); CheckTimestamp is two-sided.
//   - ParseTime reads every marketplace time as UTC.
//   - SignAPIG rewrites the request's query string into its canonical form, as the official APIG Go SDK does.
//   - VerifyAPIG refuses a SignedHeaders list that is not sorted and unique or lacks host or x-sdk-date, a
//     repeated Authorization or X-Sdk-Date header, and does not honour X-Sdk-Content-Sha256.
//   - The query answer's expiry is read from expire_time, the name license_code_info uses; the docs' LicenseInfo
//     table is cut off after activate_time.
//   - CharacterCount counts UTF-16 code units, as the marketplace's Java back end counts a String's length.
package koogallery
