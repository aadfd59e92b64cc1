package koogallery

// Activities: the "activity" field of every call to the seller's production URL.
const (
	// License 1.0 (GET, authToken).
	ActivityGetLicense     = "getLicense"
	ActivityRefreshLicense = "refreshLicense"
	ActivityExpireLicense  = "expireLicense"
	ActivityReleaseLicense = "releaseLicense"
	// The instance flow (POST, signature/timestamp/nonce): G1b and SaaS V2.
	ActivityNewInstance          = "newInstance"
	ActivityRefreshInstance      = "refreshInstance"
	ActivityUpdateInstanceStatus = "updateInstanceStatus"
	ActivityReleaseInstance      = "releaseInstance"
	ActivityQueryInstance        = "queryInstance"
	ActivityGetLicenseAsync      = "getLicenseAsync"
	// License 2.0 (POST), keyed on the marketplace's license code.
	ActivityRefreshLicenseCode      = "refreshLicenseCode"
	ActivityUpdateLicenseCodeStatus = "updateLicenseCodeStatus"
	ActivityReleaseLicenseCode      = "releaseLicenseCode"
	// Every product type but images (POST): an order to fetch with the order query (topic 0000002091799153).
	ActivityOrderNotify = "orderNotify"
)

// Status values of updateInstanceStatus and updateLicenseCodeStatus.
const (
	StatusFreeze   = "FREEZE"
	StatusUnfreeze = "UNFREEZE"
)

// Result codes of the seller's answers (spec §1.8, §2.4.4).
const (
	ResultOK         = "000000"
	ResultAuth       = "000001" // authentication failed
	ResultParam      = "000002" // invalid request parameter
	ResultNotFound   = "000003" // instance (License 2.0: license code) does not exist
	ResultProcessing = "000004" // still processing: the marketplace asks again
	ResultInternal   = "000005" // other internal error: the marketplace retries
	ResultNoResource = "000100" // no instance resource available
	// G1b getLicenseAsync only (koogallery-spec §1.8, the G1b guide's result codes).
	ResultQuotaExhausted      = "000900" // the order's license quota is used up
	ResultFingerprintRequired = "000903" // a device fingerprint is required
)

// ResultMsgOK is the resultMsg of a success, as the marketplace's examples write it.
const ResultMsgOK = "success."
