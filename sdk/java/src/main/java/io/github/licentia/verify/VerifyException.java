package io.github.licentia.verify;

/**
 * Thrown when a code, key ring, revocation list or state file is refused. {@link #reason()} says why with
 * the Go verifier's stable names; the message adds detail for people and never contains the code.
 */
public final class VerifyException extends Exception {
    private static final long serialVersionUID = 1L;

    private final Reason reason;
    private final transient Claims claims;
    private final String keyId;

    VerifyException(Reason reason, String detail) {
        this(reason, detail, null, null);
    }

    VerifyException(Reason reason, String detail, String keyId, Claims claims) {
        super(detail == null || detail.isEmpty() ? reason.wireName() : reason.wireName() + ": " + detail);
        this.reason = reason;
        this.keyId = keyId;
        this.claims = claims;
    }

    /** Returns why the input was refused. */
    public Reason reason() {
        return reason;
    }

    /**
     * Returns the claims of a code whose signature verified but which was refused later (expired, frozen,
     * wrong product, ...), so software can tell the user which license failed; null when the signature
     * did not verify. Never grant access on them.
     */
    public Claims claims() {
        return claims;
    }

    /** Returns the {@code kid} header when it could be read (authenticated only when claims() is not null). */
    public String keyId() {
        return keyId;
    }

    VerifyException withCode(String kid, Claims c) {
        return new VerifyException(reason, detailOf(this), kid, c);
    }

    /** Returns this error again with prefix before its detail: "malformed: delta 3: ...". */
    VerifyException prefixed(String prefix) {
        String d = detailOf(this);
        return new VerifyException(reason, d.isEmpty() ? prefix : prefix + ": " + d, keyId, claims);
    }

    private static String detailOf(VerifyException e) {
        String m = e.getMessage();
        String prefix = e.reason.wireName() + ": ";
        return m.startsWith(prefix) ? m.substring(prefix.length()) : "";
    }
}
