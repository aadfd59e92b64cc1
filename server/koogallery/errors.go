package koogallery

import "errors"

// ErrAuth reports that a signature, authToken or encrypted field does not match any of the keys it was checked
// against: the key is wrong, the data was tampered with, or the sender used a different algorithm.
var ErrAuth = errors.New("koogallery: signature mismatch")

// ErrMissing reports that a required signing input is absent, empty or unparseable: the authToken or timeStamp
// query parameter (License 1.0), the signature, timestamp or nonce URL parameter (License 2.0, G1b, SaaS V2), the
// signature inside a Body-Sign header, or an access key / AK / SK.
var ErrMissing = errors.New("koogallery: missing signing parameter")

// ErrShape reports a JSON body with more members and elements than MaxJSONItems, or nested deeper than
// MaxJSONDepth: more than any marketplace body holds, and too costly to put into canonical form unsigned.
var ErrShape = errors.New("koogallery: JSON body has too many members or nests too deep")

// ErrTimestamp reports that a Unix timestamp URL parameter is not a number of the accepted width, or lies outside
// the accepted clock-skew window.
var ErrTimestamp = errors.New("koogallery: timestamp invalid or outside window")

// ErrTime reports that a fixed-width marketplace time (yyyyMMddHHmmss, yyyyMMddHHmmssSSS, or the APIG X-Sdk-Date
// form yyyyMMddTHHmmssZ) is malformed or names an impossible calendar date.
var ErrTime = errors.New("koogallery: malformed time")

// ErrAmbiguous reports a License 1.0 parameter set whose signed message could also be read as a different set of
// License 1.0 parameters: a name that is not a plain identifier, or a value holding '&' followed by a License 1.0
// parameter name and '=' (see CheckAuthParams and IsLicense1Param). The authToken message joins decoded pairs without escaping, so such a request may be a captured,
// re-partitioned URL; it is refused whatever its authToken says.
var ErrAmbiguous = errors.New("koogallery: parameters could be read as a different set")
