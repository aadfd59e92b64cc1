package io.github.licentia.verify;

/**
 * The outcome of a successful {@link Verifier#check(String)}.
 *
 * @param claims the verified claims
 * @param keyId the id of the key that signed the code
 * @param inGrace true when {@code exp} has passed but the code is still accepted through its grace period
 *     (or the leeway); software should urge a renewal (续费)
 * @param at the unix time, in seconds, the code was judged at
 */
public record Result(Claims claims, String keyId, boolean inGrace, long at) {}
