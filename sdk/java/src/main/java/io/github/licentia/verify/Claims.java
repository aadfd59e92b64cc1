package io.github.licentia.verify;

import java.util.ArrayList;
import java.util.List;

/**
 * The claims of an authorization code, in wire order (verifier/doc.go, "Claims"). An absent claim reads as
 * its zero value: "" for strings, 0 for numbers, false for {@code test}.
 *
 * @param issuer ({@code iss}) the issuing server, "licentia" by default
 * @param licenseId ({@code sub}) the license id, equal to the instanceId returned to KooGallery
 * @param generation ({@code gen}) 1 on create, one more on every change of the signed state
 * @param issuedAt ({@code iat}) unix time of the state change that produced this generation
 * @param notBefore ({@code nbf}) unix time the license starts
 * @param expiresAt ({@code exp}) unix time the license ends; 0 for a perpetual license
 * @param grace ({@code grace}) seconds after expiresAt during which the code is still accepted
 * @param status ({@code st}) "active", "frozen", "released" or "revoked"
 * @param productId ({@code pid}) the KooGallery productId
 * @param productIds ({@code pids}) the other productIds the license carried before a renewal changed its
 *     product, oldest first (empty for a license that never changed product); unmodifiable
 * @param sku ({@code sku}) the KooGallery skuCode, when known
 * @param orderId ({@code ord}) the orderId of the purchase
 * @param orderLineId ({@code oli}) the orderLineId, when given
 * @param customerId ({@code cid}) the buyer's customerId, when given
 * @param quantity ({@code qty}) the purchased amount, when given
 * @param test ({@code test}) true for codes issued to marketplace probe calls (testFlag=1)
 * @param deployment ({@code dep}) the deployment the code is bound to, by salted hashes; null for a code
 *     bound to none
 */
public record Claims(String issuer, String licenseId, long generation, long issuedAt, long notBefore,
        long expiresAt, long grace, String status, String productId, List<String> productIds, String sku, String orderId,
        String orderLineId, String customerId, long quantity, boolean test, DeploymentClaim deployment) {

    /** Reads the claims from a decoded payload and checks their types and ranges (step 4). */
    static Claims of(Object doc) throws VerifyException {
        if (!(doc instanceof Json.Obj m)) throw malformed("claims are not a JSON object");
        Claims c;
        try {
            c = new Claims(str(m, "iss"), str(m, "sub"), num(m, "gen"), num(m, "iat"), num(m, "nbf"),
                    num(m, "exp"), num(m, "grace"), str(m, "st"), str(m, "pid"), strings(m, "pids"), str(m, "sku"), str(m, "ord"),
                    str(m, "oli"), str(m, "cid"), num(m, "qty"), Boolean.TRUE.equals(m.field("test", Boolean.class)),
                    DeploymentClaim.decode(members(m, "dep")));
        } catch (Json.SyntaxException e) {
            throw malformed("claims: " + e.getMessage());
        }
        if (c.licenseId.isEmpty()) throw malformed("no \"sub\" claim");
        if (c.generation < 1) throw malformed("\"gen\" " + c.generation + ", want 1 or more");
        if (c.status.isEmpty()) throw malformed("no \"st\" claim");
        if (c.issuedAt < 0 || c.notBefore < 0 || c.expiresAt < 0 || c.grace < 0 || c.quantity < 0) {
            throw malformed("negative \"iat\", \"nbf\", \"exp\", \"grace\" or \"qty\"");
        }
        if (c.productIds.size() > MAX_PRODUCT_IDS) {
            throw malformed("\"pids\" has " + c.productIds.size() + " entries, at most " + MAX_PRODUCT_IDS);
        }
        if (c.productIds.contains("")) throw malformed("an empty \"pids\" entry");
        String dep = c.deployment == null ? null : c.deployment.malformedReason();
        if (dep != null) throw malformed(dep);
        return c;
    }

    private static VerifyException malformed(String detail) {
        return new VerifyException(Reason.MALFORMED, detail);
    }

    /** The most entries a {@code pids} claim may carry; a code with more is malformed. */
    static final int MAX_PRODUCT_IDS = 8;

    /**
     * Reads an array-of-strings field as Go reads a []string: the last matching member wins, null makes it
     * empty, a null entry reads as "", anything else that is not an array of strings is an error.
     */
    static List<String> strings(Json.Obj m, String name) throws Json.SyntaxException {
        List<String> out = List.of();
        for (int k = 0; k < m.names.size(); k++) {
            if (!Json.Obj.folds(m.names.get(k), name)) continue;
            Object v = m.values.get(k);
            if (v == null) {
                out = List.of();
                continue;
            }
            if (!(v instanceof List<?> l)) throw new Json.SyntaxException("\"" + name + "\" is not an array");
            List<String> got = new ArrayList<>(l.size());
            for (Object e : l) {
                if (e != null && !(e instanceof String)) throw new Json.SyntaxException("\"" + name + "\" holds a non-string");
                got.add(e == null ? "" : (String) e);
            }
            out = List.copyOf(got);
        }
        return out;
    }

    /** Returns the values of every member matching name, in order (nulls included). */
    private static List<Object> members(Json.Obj m, String name) {
        List<Object> out = new ArrayList<>();
        for (int k = 0; k < m.names.size(); k++) {
            if (Json.Obj.folds(m.names.get(k), name)) out.add(m.values.get(k));
        }
        return out;
    }

    /** Reports whether the code was issued for one of products: its pid, or an entry of its pids. */
    boolean forProduct(java.util.Collection<String> products) {
        if (products.contains(productId)) return true;
        for (String id : productIds) {
            if (products.contains(id)) return true;
        }
        return false;
    }

    private static String str(Json.Obj m, String name) throws Json.SyntaxException {
        return Jws.orEmpty(m.field(name, String.class));
    }

    /** Reads an integer field as Go reads an int64: every matching member an integer literal in range. */
    static long num(Json.Obj m, String name) throws Json.SyntaxException {
        long out = 0;
        for (int k = 0; k < m.names.size(); k++) {
            Object v = m.values.get(k);
            if (v == null || !Json.Obj.folds(m.names.get(k), name)) continue;
            Long n = v instanceof Json.Num j ? j.asLong() : null;
            if (n == null) throw new Json.SyntaxException("\"" + name + "\" is not an integer");
            out = n;
        }
        return out;
    }

    /**
     * Returns the claims as one JSON object with the wire names, in wire order, leaving out the optional
     * claims that are zero: the form the issuer signs.
     */
    public String toJson() {
        StringBuilder b = new StringBuilder("{");
        member(b, "iss", issuer, true);
        member(b, "sub", licenseId, true);
        b.append(",\"gen\":").append(generation).append(",\"iat\":").append(issuedAt).append(",\"nbf\":").append(notBefore);
        if (expiresAt != 0) b.append(",\"exp\":").append(expiresAt);
        if (grace != 0) b.append(",\"grace\":").append(grace);
        member(b, "st", status, true);
        member(b, "pid", productId, true);
        if (!productIds.isEmpty()) {
            b.append(",\"pids\":[");
            for (int k = 0; k < productIds.size(); k++) {
                if (k > 0) b.append(',');
                Json.quote(b, productIds.get(k));
            }
            b.append(']');
        }
        member(b, "sku", sku, false);
        member(b, "ord", orderId, true);
        member(b, "oli", orderLineId, false);
        member(b, "cid", customerId, false);
        if (quantity != 0) b.append(",\"qty\":").append(quantity);
        if (test) b.append(",\"test\":true");
        if (deployment != null) {
            b.append(",\"dep\":");
            deployment.appendJson(b);
        }
        return b.append('}').toString();
    }

    private static void member(StringBuilder b, String name, String value, boolean always) {
        if (!always && value.isEmpty()) return;
        if (b.length() > 1) b.append(',');
        b.append('"').append(name).append("\":");
        Json.quote(b, value);
    }
}
