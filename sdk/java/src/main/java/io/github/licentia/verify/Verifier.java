package io.github.licentia.verify;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Checks licentia authorization codes offline, following verifier/doc.go in the licentia repository check
 * for check and in the same order, and reporting the Go verifier's reasons. Build one with
 * {@link #builder(Keyring)}; a Verifier is immutable and safe for concurrent use (a {@link State} it was
 * given locks itself).
 *
 * <pre>{@code
 * Keyring keys = Keyring.parse(Files.readAllBytes(Path.of("/opt/app/jwks.json")));
 * Verifier v = Verifier.builder(keys).product("OFFI001").build();
 * try {
 *     Result r = v.check(code);
 *     if (r.inGrace()) warn("the license has expired; renew it");
 * } catch (VerifyException e) {
 *     refuse(e.reason().wireName());
 * }
 * }</pre>
 */
public final class Verifier {
    /** How far, in seconds, the clock may lag the state's latest trusted time before a clock rollback (10 minutes). */
    public static final long DEFAULT_ROLLBACK_TOLERANCE = 600;

    private final Keyring keyring;
    private final String issuer;
    private final List<String> products;
    private final List<String> skus;
    private final Clock clock;
    private final long leeway;
    private final RevocationList revocations;
    private final State state;
    private final long tolerance;
    private final long maxListAge;
    private final boolean allowTest;
    private final DeploymentClaim.Local deployment;

    private Verifier(Builder b) {
        keyring = b.keyring;
        issuer = b.issuer;
        products = List.copyOf(b.products);
        skus = List.copyOf(b.skus);
        clock = b.clock;
        leeway = b.leeway;
        revocations = b.revocations;
        state = b.state;
        tolerance = b.tolerance;
        maxListAge = b.maxListAge;
        allowTest = b.allowTest;
        deployment = b.deployment == null ? null : new DeploymentClaim.Local(b.deployment);
    }

    /** Returns a builder for a verifier that trusts the keys of {@code keyring}. */
    public static Builder builder(Keyring keyring) {
        return new Builder(Objects.requireNonNull(keyring, "keyring"));
    }

    /**
     * Checks {@code code} and returns its claims. The code may carry white space around it and line breaks
     * inside (as when pasted); nothing else is tolerated.
     *
     * @throws VerifyException carrying the reason, in the order of verifier/doc.go; for a code whose
     *     signature verified, also its claims
     */
    public Claims verify(String code) throws VerifyException {
        return check(code).claims();
    }

    /** Like {@link #verify(String)}, with the signing key id, the time judged at and whether the code is in grace. */
    public Result check(String code) throws VerifyException {
        long now = Math.floorDiv(clock.millis(), 1000);
        if (code.length() > Jws.MAX_PASTED) throw new VerifyException(Reason.MALFORMED, "longer than " + Jws.MAX_PASTED + " bytes");
        byte[] bytes = code.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > Jws.MAX_PASTED) throw new VerifyException(Reason.MALFORMED, "longer than " + Jws.MAX_PASTED + " bytes");
        Jws.Opened o = Jws.open(keyring, Jws.clean(bytes), Jws.TYPE_CODE, Jws.MAX_CODE);
        Claims c;
        try {
            c = Claims.of(Json.parse(o.payload()));
        } catch (Json.SyntaxException e) {
            throw new VerifyException(Reason.MALFORMED, "claims: " + e.getMessage(), o.kid(), null);
        } catch (VerifyException e) {
            throw e.withCode(o.kid(), null);
        }
        try {
            return new Result(c, o.kid(), judge(c, now), now);
        } catch (VerifyException e) {
            throw e.withCode(o.kid(), c);
        }
    }

    /** Steps 5 to 10 on the authentic claims c at unix time now; returns whether c is in grace. */
    private boolean judge(Claims c, long now) throws VerifyException {
        if (!issuer.isEmpty() && !c.issuer().equals(issuer)) throw new VerifyException(Reason.WRONG_ISSUER, "\"" + c.issuer() + "\"");
        if (!products.isEmpty() && !c.forProduct(products)) throw new VerifyException(Reason.WRONG_PRODUCT, "\"" + c.productId() + "\"");
        if (!skus.isEmpty() && !skus.contains(c.sku())) throw new VerifyException(Reason.WRONG_SKU, "\"" + c.sku() + "\"");
        if (c.test() && !allowTest) throw new VerifyException(Reason.TEST_CODE, null);
        if (deployment != null && c.deployment() != null) {
            String problem = deployment.check(c.deployment());
            if (problem != null) throw new VerifyException(Reason.WRONG_DEPLOYMENT, "code bound to another deployment: " + problem);
        }
        long stateMin = 0, newerList = 0;
        if (state != null) {
            long[] seen = state.observe(c, revocations, now, tolerance);
            stateMin = seen[0];
            newerList = seen[1];
        }
        switch (c.status()) {
            case "active" -> { }
            case "revoked" -> throw new VerifyException(Reason.REVOKED, "status \"revoked\"");
            default -> throw new VerifyException(Reason.INACTIVE, "status \"" + c.status() + "\"");
        }
        fresh(now, newerList);
        if (revocations != null && c.generation() < revocations.minGeneration(c.licenseId())) {
            throw new VerifyException(Reason.REVOKED, "generation " + c.generation() + " below the revocation list's "
                    + revocations.minGeneration(c.licenseId()));
        }
        if (c.generation() < stateMin) {
            throw new VerifyException(Reason.SUPERSEDED, "generation " + c.generation() + ", already seen " + stateMin);
        }
        if (now < c.notBefore() - leeway) throw new VerifyException(Reason.NOT_YET_VALID, "starts " + c.notBefore());
        if (c.expiresAt() == 0) return false;
        if (now >= addSat(addSat(c.expiresAt(), c.grace()), leeway)) throw new VerifyException(Reason.EXPIRED, "ended " + c.expiresAt());
        return now >= c.expiresAt();
    }

    private void fresh(long now, long newerList) throws VerifyException {
        if (newerList != 0) {
            throw new VerifyException(Reason.STALE_LIST, "made " + revocations.issuedAt() + ", but a list made " + newerList + " was already seen");
        }
        if (maxListAge == 0) return;
        if (revocations == null) throw new VerifyException(Reason.STALE_LIST, "none given, but a fresh one is required");
        if (now - revocations.issuedAt() > maxListAge) {
            throw new VerifyException(Reason.STALE_LIST, "made " + revocations.issuedAt() + ", more than " + maxListAge + " s before " + now);
        }
    }

    private static long addSat(long a, long b) {
        return a > Long.MAX_VALUE - b ? Long.MAX_VALUE : a + b;
    }

    /**
     * Configures a {@link Verifier}. A product binding is required: {@link #product}, {@link #sku}, or an
     * explicit {@link #anyProduct()}, since one seller key signs every product's codes and a forgotten
     * binding would let the code of a cheap product unlock a dear one.
     */
    public static final class Builder {
        private final Keyring keyring;
        private String issuer = "";
        private final List<String> products = new ArrayList<>();
        private final List<String> skus = new ArrayList<>();
        private boolean anyProduct;
        private Clock clock = Clock.systemUTC();
        private long leeway;
        private RevocationList revocations;
        private State state;
        private long tolerance = DEFAULT_ROLLBACK_TOLERANCE;
        private long maxListAge;
        private boolean allowTest;
        private Deployment deployment;

        private Builder(Keyring keyring) {
            this.keyring = keyring;
        }

        /**
         * Accepts only codes whose {@code pid}, or an entry of whose {@code pids} (the productIds the license
         * carried before a renewal changed its product), is one of {@code ids} (KooGallery gives one SKU a
         * productId per period type).
         */
        public Builder product(String... ids) {
            for (String id : ids) products.add(Objects.requireNonNull(id));
            return this;
        }

        /** Accepts only codes whose {@code sku} is one of {@code codes}. */
        public Builder sku(String... codes) {
            for (String c : codes) skus.add(Objects.requireNonNull(c));
            return this;
        }

        /** Accepts a code of any of the seller's products; bind a product instead where you can. */
        public Builder anyProduct() {
            anyProduct = true;
            return this;
        }

        /** Accepts only codes whose {@code iss} is {@code iss} ("" accepts any issuer, the default). */
        public Builder issuer(String iss) {
            issuer = Objects.requireNonNull(iss);
            return this;
        }

        /** Sets the clock (default: the system clock); a fixed clock judges a code at a fixed time. */
        public Builder clock(Clock c) {
            clock = Objects.requireNonNull(c);
            return this;
        }

        /** Tolerates clock skew of up to {@code d} (whole seconds; default 0) on {@code nbf} and {@code exp}. */
        public Builder leeway(Duration d) {
            leeway = Math.max(0, d.getSeconds());
            return this;
        }

        /** Refuses codes below the list's minimum generation for their license (see {@link RevocationList#parse}). */
        public Builder revocations(RevocationList l) {
            revocations = l;
            return this;
        }

        /** Remembers trusted time and generations in {@code s}: refuses a clock set back and older codes put back. */
        public Builder state(State s) {
            state = s;
            return this;
        }

        /** Sets how far the clock may lag the state's trusted time (default 10 minutes). */
        public Builder rollbackTolerance(Duration d) {
            tolerance = Math.max(0, d.getSeconds());
            return this;
        }

        /**
         * Requires a revocation list made no more than {@code d} before the time a code is judged at; with an
         * older list, or none, every active code is {@link Reason#STALE_LIST}. Zero (the default) requires none.
         */
        public Builder maxListAge(Duration d) {
            maxListAge = Math.max(0, d.getSeconds());
            return this;
        }

        /** Accepts codes issued to marketplace probe calls ({@code test: true}). */
        public Builder allowTest() {
            allowTest = true;
            return this;
        }

        /**
         * Checks codes bound to a deployment (the {@code dep} claim) against {@code d}, the deployment the
         * software runs as: a bound code must match it, k of its n components or, for a claim binding the
         * id alone, the id, else {@link Reason#WRONG_DEPLOYMENT}. A code without {@code dep} passes as before.
         * Without this call the binding is not checked at all: software that installs deployment-bound
         * codes must give it. {@code d} is valid by construction ({@link Deployment#of} refuses one out of
         * bounds with {@link Reason#DEPLOYMENT_ERROR}), so the binding is never skipped.
         */
        public Builder deployment(Deployment d) {
            deployment = Objects.requireNonNull(d, "deployment");
            return this;
        }

        /**
         * Returns the verifier.
         *
         * @throws IllegalStateException when no product, sku or anyProduct was given, or anyProduct together
         *     with a product or sku
         */
        public Verifier build() {
            if (products.isEmpty() && skus.isEmpty() && !anyProduct) {
                throw new IllegalStateException("bind a product: product(...), sku(...), or anyProduct() if any of the seller's products is meant "
                        + "(one key signs every product's codes) / 请绑定商品：product(...)、sku(...)，或明确使用 anyProduct()（同一商家密钥签发所有商品的授权码）");
            }
            if (anyProduct && (!products.isEmpty() || !skus.isEmpty())) {
                throw new IllegalStateException("anyProduct() contradicts product(...) and sku(...) / anyProduct() 与 product(...)、sku(...) 互相矛盾");
            }
            return new Verifier(this);
        }
    }
}
