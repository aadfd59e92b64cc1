package io.github.licentia.verify;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * The signed revocation list served at {@code GET /v1/revocations}: when it was made and, per license, the
 * lowest generation still valid (a revoked or released license maps to a generation above any issued).
 * Immutable.
 */
public final class RevocationList {
    private final long issuedAt;
    private final Map<String, Long> minGen;

    private RevocationList(long issuedAt, Map<String, Long> minGen) {
        this.issuedAt = issuedAt;
        this.minGen = Collections.unmodifiableMap(minGen);
    }

    /**
     * Verifies the list {@code data} (a compact JWS with typ {@code licentia-revocations+jwt}; white space
     * around it and line breaks inside are ignored) with the keys of {@code kr} and returns it.
     *
     * @throws VerifyException with {@link Reason#MALFORMED}, {@link Reason#WRONG_TYPE} (a code passed as a
     *     list), {@link Reason#WRONG_ALGORITHM}, {@link Reason#UNKNOWN_KEY} or {@link Reason#BAD_SIGNATURE}
     */
    public static RevocationList parse(Keyring kr, byte[] data) throws VerifyException {
        if (data.length > 2 * Jws.MAX_LIST) throw new VerifyException(Reason.MALFORMED, "revocation list longer than " + Jws.MAX_LIST + " bytes");
        Jws.Opened o = Jws.open(kr, Jws.clean(data), Jws.TYPE_REVOCATIONS, Jws.MAX_LIST);
        long iat;
        Json.Obj gens;
        try {
            if (!(Json.parse(o.payload()) instanceof Json.Obj m)) throw new Json.SyntaxException("not a JSON object");
            iat = Claims.num(m, "iat");
            gens = m.field("min_gen", Json.Obj.class);
        } catch (Json.SyntaxException e) {
            throw new VerifyException(Reason.MALFORMED, "revocation list: " + e.getMessage());
        }
        if (iat < 0 || gens == null) {
            throw new VerifyException(Reason.MALFORMED, "revocation list: want \"iat\" >= 0 and a \"min_gen\" object");
        }
        Map<String, Long> minGen = new HashMap<>();
        for (Map.Entry<String, Object> e : gens.exact().entrySet()) {
            Long g = e.getValue() == null ? Long.valueOf(0) : e.getValue() instanceof Json.Num n ? n.asLong() : null;
            if (g == null || e.getKey().isEmpty() || g < 1) {
                throw new VerifyException(Reason.MALFORMED, "revocation list: entry \"" + e.getKey() + "\"");
            }
            minGen.put(e.getKey(), g);
        }
        return new RevocationList(iat, minGen);
    }

    /** Returns the unix time the list was made ({@code iat}). */
    public long issuedAt() {
        return issuedAt;
    }

    /** Returns the lowest generation of license {@code id} still valid, or 0 when the list does not name it. */
    public long minGeneration(String id) {
        return minGen.getOrDefault(id, 0L);
    }

    /** Returns the list's entries: license id to lowest valid generation. */
    public Map<String, Long> minGenerations() {
        return minGen;
    }
}
