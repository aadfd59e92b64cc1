package io.github.licentia.verify;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code dep} claim of a code bound to one deployment (verifier/doc.go, "Deployment binding"): salted
 * hashes only.
 *
 * @param salt ({@code s}) the salt of every hash, 16 bytes as 22 base64url characters
 * @param id ({@code id}) the hash of the deployment id
 * @param components ({@code c}) the hashes of each component's values, by name, sorted by name; empty for a
 *     claim binding the id alone; unmodifiable
 * @param match ({@code k}) how many components must match; 0 for a claim binding the id alone
 */
public record DeploymentClaim(String salt, String id, Map<String, List<String>> components, long match) {
    /** How many components matched, how many were needed (both 0 for a claim binding the id alone), and the verdict. */
    public record Match(int matched, long needed, boolean ok) {}

    /** Reports whether {@code d} is the deployment this claim binds: k of its components, or its id. */
    public Match matches(Deployment d) {
        byte[] salt = decode16(this.salt);
        if (salt == null) return new Match(0, match, false);
        return matchHashes(Hashed.of(d, salt));
    }

    Match matchHashes(Hashed h) {
        if (components.isEmpty()) return new Match(0, 0, h.id.equals(id));
        int matched = 0;
        for (Map.Entry<String, List<String>> e : components.entrySet()) {
            for (String v : h.components.getOrDefault(e.getKey(), List.of())) {
                if (e.getValue().contains(v)) {
                    matched++;
                    break;
                }
            }
        }
        return new Match(matched, match, matched >= match);
    }

    /** Why the claim is not well formed (the Go verifier's wellFormed), or null. */
    String malformedReason() {
        int n = components.size();
        if (decode16(salt) == null) return "\"dep\" salt is not " + Deployment.SALT_LEN + " bytes of base64url";
        if (decode16(id) == null) return "\"dep\" id is not a deployment hash";
        if (n > Deployment.MAX_COMPONENTS) return "\"dep\" has " + n + " components, at most " + Deployment.MAX_COMPONENTS;
        if (n == 0 && match != 0) return "\"dep\" needs " + match + " components and binds none";
        if (n > 0 && (match < 1 || match > n)) return "\"dep\" needs " + match + " of " + n + " components";
        for (Map.Entry<String, List<String>> e : components.entrySet()) {
            List<String> hs = e.getValue();
            if (!Deployment.validComponentName(e.getKey()) || hs.isEmpty() || hs.size() > Deployment.MAX_COMPONENT_VALUES) {
                return "\"dep\" component \"" + Deployment.shorten(e.getKey()) + "\"";
            }
            for (String h : hs) {
                if (decode16(h) == null) return "\"dep\" component " + e.getKey() + " holds a value that is not a deployment hash";
            }
        }
        return null;
    }

    /** Decodes a salt or a hash: exactly 22 base64url characters in their one encoding of 16 bytes, else null. */
    static byte[] decode16(String s) {
        if (s.length() != 22) return null;
        byte[] b = Jws.b64(s);
        return b != null && b.length == 16 ? b : null;
    }

    void appendJson(StringBuilder b) {
        b.append("{\"s\":");
        Json.quote(b, salt);
        b.append(",\"id\":");
        Json.quote(b, id);
        if (!components.isEmpty()) {
            b.append(",\"c\":");
            Json.stringLists(b, components);
        }
        if (match != 0) b.append(",\"k\":").append(match);
        b.append('}');
    }

    /**
     * Decodes the values of the "dep" members of a claims object (every member whose name folds to "dep",
     * in order) as Go decodes them into a *DeploymentClaim: null makes it absent, an object is merged into
     * what an earlier one set, anything else is an error. Returns null for no dep.
     */
    static DeploymentClaim decode(List<Object> values) throws Json.SyntaxException {
        boolean present = false;
        String s = "", id = "";
        long k = 0;
        Map<String, List<String>> c = null;
        for (Object v : values) {
            if (v == null) {
                present = false;
                s = "";
                id = "";
                k = 0;
                c = null;
                continue;
            }
            if (!(v instanceof Json.Obj o)) throw new Json.SyntaxException("\"dep\" is not an object");
            present = true;
            for (int n = 0; n < o.names.size(); n++) {
                String name = o.names.get(n);
                Object val = o.values.get(n);
                if (Json.Obj.folds(name, "c")) {
                    c = components(c, val);
                } else if (val == null) {
                    continue; // null leaves s, id and k as they were
                } else if (Json.Obj.folds(name, "s") || Json.Obj.folds(name, "id")) {
                    if (!(val instanceof String str)) throw new Json.SyntaxException("\"dep\" \"" + name + "\" is not a string");
                    if (Json.Obj.folds(name, "s")) s = str; else id = str;
                } else if (Json.Obj.folds(name, "k")) {
                    Long l = val instanceof Json.Num j ? j.asLong() : null;
                    if (l == null) throw new Json.SyntaxException("\"dep\" \"k\" is not an integer");
                    k = l;
                }
            }
        }
        if (!present) return null;
        Map<String, List<String>> sorted = new TreeMap<>(c == null ? Map.of() : c);
        return new DeploymentClaim(s, id, Collections.unmodifiableMap(sorted), k);
    }

    /** Go's decoding of a JSON value into map[string][]string onto cur: null clears it, an object adds its members. */
    private static Map<String, List<String>> components(Map<String, List<String>> cur, Object val) throws Json.SyntaxException {
        if (val == null) return null;
        if (!(val instanceof Json.Obj o)) throw new Json.SyntaxException("\"dep\" \"c\" is not an object");
        Map<String, List<String>> out = cur == null ? new LinkedHashMap<>() : new LinkedHashMap<>(cur);
        for (int n = 0; n < o.names.size(); n++) {
            Object hs = o.values.get(n);
            List<String> got = new ArrayList<>();
            if (hs != null) {
                if (!(hs instanceof List<?> l)) throw new Json.SyntaxException("\"dep\" component is not an array");
                for (Object e : l) {
                    if (e != null && !(e instanceof String)) throw new Json.SyntaxException("\"dep\" component holds a non-string");
                    got.add(e == null ? "" : (String) e);
                }
            }
            out.put(o.names.get(n), List.copyOf(got));
        }
        return out;
    }

    /** A deployment's hashes under one salt: its id's and each component value's. */
    static final class Hashed {
        final String id;
        final Map<String, List<String>> components = new HashMap<>();

        private Hashed(String id) {
            this.id = id;
        }

        static Hashed of(Deployment d, byte[] salt) {
            Hashed h = new Hashed(Deployment.hash(salt, "id", d.id()));
            for (Map.Entry<String, List<String>> e : d.components().entrySet()) {
                List<String> hs = new ArrayList<>();
                for (String v : e.getValue()) hs.add(Deployment.hash(salt, e.getKey(), v));
                h.components.put(e.getKey(), hs);
            }
            return h;
        }
    }

    /** The deployment a Verifier checks claims against, its hashes remembered for the last 16 salts. */
    static final class Local {
        private static final int MAX_SALTS = 16;
        private final Deployment d;
        private final Map<String, Hashed> hashes = new LinkedHashMap<>();

        Local(Deployment d) {
            this.d = d;
        }

        /** Returns null when c binds this deployment, else why not. */
        String check(DeploymentClaim c) {
            Hashed h;
            synchronized (hashes) {
                h = hashes.get(c.salt());
            }
            if (h == null) {
                byte[] salt = decode16(c.salt());
                if (salt == null) return "\"dep\" salt"; // refused as malformed already
                h = Hashed.of(d, salt);
                synchronized (hashes) {
                    if (!hashes.containsKey(c.salt()) && hashes.size() >= MAX_SALTS) {
                        hashes.remove(hashes.keySet().iterator().next());
                    }
                    hashes.put(c.salt(), h);
                }
            }
            Match m = c.matchHashes(h);
            if (m.ok()) return null;
            if (m.needed() == 0) return "the code is bound to another deployment id";
            return m.matched() + " of the " + c.components().size() + " components bound match, " + m.needed() + " needed";
        }
    }
}
