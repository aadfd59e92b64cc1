package io.github.licentia.verify;

/**
 * Why a code, a key ring, a revocation list or a state file was refused. Each constant carries the stable
 * snake_case name the Go verifier ({@code verifier.Reason}) and {@code licentia-verify --json} report, and
 * the exit status {@code licentia-verify} uses for it.
 */
public enum Reason {
    /** Not a well-formed licentia code: shape, base64url, JSON, a critical header, a claim out of range, size. */
    MALFORMED("malformed", 1),
    /** The {@code typ} header is not the expected one (also {@link #MALFORMED}). */
    WRONG_TYPE("wrong_type", 1),
    /** The {@code alg} header is neither {@code EdDSA} nor {@code Ed25519}. */
    WRONG_ALGORITHM("wrong_algorithm", 1),
    /** The {@code kid} header names no trusted key, or is missing. */
    UNKNOWN_KEY("unknown_key", 1),
    /** The Ed25519 signature does not verify with the key named by {@code kid}. */
    BAD_SIGNATURE("bad_signature", 1),
    /** {@code exp} plus {@code grace} (plus leeway) has passed. */
    EXPIRED("expired", 2),
    /** {@code nbf} (minus leeway) has not come yet. */
    NOT_YET_VALID("not_yet_valid", 3),
    /** {@code iss} is not the accepted issuer. */
    WRONG_ISSUER("wrong_issuer", 4),
    /** {@code pid} is not an accepted product. */
    WRONG_PRODUCT("wrong_product", 4),
    /** {@code sku} is not an accepted SKU (also {@link #WRONG_PRODUCT}). */
    WRONG_SKU("wrong_sku", 4),
    /** A code issued to a marketplace probe ({@code test: true}) while test codes are not allowed. */
    TEST_CODE("test_code", 4),
    /**
     * The code is bound to a deployment ({@code dep}) and the verifier's deployment is not it: fewer of its
     * components match than the claim needs, or, for a claim binding the id alone, the id differs.
     */
    WRONG_DEPLOYMENT("wrong_deployment", 8),
    /** Status {@code revoked}, or a generation below the revocation list's {@code min_gen}. */
    REVOKED("revoked", 5),
    /** The state file has already seen a newer generation of this license (also {@link #REVOKED}). */
    SUPERSEDED("superseded", 5),
    /** Status {@code frozen}, {@code released} or any other value than {@code active} and {@code revoked}. */
    INACTIVE("inactive", 5),
    /** The revocation list is older than allowed, missing while required, or older than one already seen. */
    STALE_LIST("stale_list", 7),
    /** The clock is behind the latest trusted time the state file recorded, by more than the tolerance. */
    CLOCK_ROLLBACK("clock_rollback", 6),
    /** The state file cannot be read, parsed or written; it is never silently replaced. */
    STATE_ERROR("state_error", 66),
    /** The key material is unusable. */
    KEYRING_ERROR("keyring_error", 66),
    /**
     * A deployment out of bounds: no id, too long, a control character, a bad component name, too many
     * components or values ({@link Deployment#of}, {@link Deployment#parse}).
     */
    DEPLOYMENT_ERROR("deployment_error", 66);

    private final String wireName;
    private final int exitStatus;

    Reason(String wireName, int exitStatus) {
        this.wireName = wireName;
        this.exitStatus = exitStatus;
    }

    /** Returns the stable snake_case name, e.g. {@code "expired"}; it never changes. */
    public String wireName() {
        return wireName;
    }

    /** Returns the exit status {@code licentia-verify} gives for this reason (design: 1 to 8, 66). */
    public int exitStatus() {
        return exitStatus;
    }

    /**
     * Reports whether this reason is, or is a kind of, {@code other}: {@link #WRONG_TYPE} is also
     * {@link #MALFORMED}, {@link #WRONG_SKU} also {@link #WRONG_PRODUCT}, {@link #SUPERSEDED} also
     * {@link #REVOKED}, as in the Go package's {@code errors.Is}.
     */
    public boolean is(Reason other) {
        return this == other
                || (this == WRONG_TYPE && other == MALFORMED)
                || (this == WRONG_SKU && other == WRONG_PRODUCT)
                || (this == SUPERSEDED && other == REVOKED);
    }

    /** Returns the reason named {@code name}, or null when no reason has that name. */
    public static Reason fromWireName(String name) {
        for (Reason r : values()) {
            if (r.wireName.equals(name)) return r;
        }
        return null;
    }

    @Override
    public String toString() {
        return wireName;
    }
}
