// Package openapi is licentia's client of the KooGallery (华为云云商店) OpenAPI that a License seller calls
// (docs/koogallery.md; README "Endpoints"): activate a licence code (Activate, v1; ActivateBatch, v2, up
// to 100 codes), query it daily (Query, formerly the heartbeat), fetch an order (QueryOrder), and upload the
// licence of a G1b market event (UploadEvent). The wire format lives in server/koogallery.
//
// # Credentials and hosts
//
// Every request is signed with the seller account's AK/SK (koogallery.SignAPIG, SDK-HMAC-SHA256). The caller reads
// them from EnvAK and EnvSK; the client never logs them nor the Authorization header, and Config hides SK when
// printed or logged. Base URLs (default DefaultBaseURLs) are tried in order while one cannot be reached; the
// client then starts with the base URL that answered last. TLS is verified against the system roots (or
// Config.RootCAs) with TLS 1.2 at least; plain http:// is accepted only for a loopback host.
//
// # Retries
//
// Each attempt has a 5-second budget (Config.AttemptTimeout), from dialling to the end of the answer. Network
// errors and 5xx answers are retried up to Config.MaxAttempts with exponential backoff and jitter; a 4xx, a
// business error code (also one sent with a 5xx, such as MKT.9001), a certificate that does not verify, or the
// caller's context ending is not. A POST whose answer was lost may have taken effect: a later 92020003 then
// may report this call's own activation, which Error.Repeated tells.
//
// # Errors
//
// Every failure of a call is an *Error carrying the API, HTTP status, code and attempts, and unwrapping to one
// sentinel: ErrAlreadyActive (92020003), ErrNotReceived (92020004), ErrUnknownCode (92020005), ErrNotActivated
// (92020011), ErrInvalidCodes (92020020), ErrUnknownOrder (MKT.9001), ErrInvalidParam, ErrInternal, ErrAuth
// (APIG.03xx, e.g. a wrong SK), ErrThrottled, ErrUnavailable and ErrProtocol. Answers may carry fields added
// later; they are ignored (Status.Data keeps the query's data object whole).
//
// # Observability
//
// Each call is logged once (slog, Config.Logger) with its API, code, HTTP status, attempts, latency and host, and
// told to Config.Observer (the server counts it as the licentia_koogallery_api_* metrics). The package imports no
// metrics library.
package marketapi
