package io.github.licentia.verify;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One installation of the buyer's software (verifier/doc.go, "Deployment binding"): a stable id (1 to 1024
 * characters) and optional components, name to values, such as {@code machine_id}, {@code product_uuid},
 * {@code mac}, {@code disk}, {@code hostname}. A code bound to a deployment (its {@code dep} claim) holds
 * only salted hashes of them; give a {@link Verifier} the deployment the software runs as with
 * {@link Verifier.Builder#deployment(Deployment)}.
 *
 * <p>Every factory validates as the Go verifier's {@code Deployment.Validate} does, so an out-of-bounds
 * deployment can never reach a verifier (which would otherwise have to skip the binding).
 */
public final class Deployment {
    /** Characters of a deployment id: a G1b device's deviceFingerprint may have 1024. */
    public static final int MAX_ID_LEN = 1024;
    /** Component names of one deployment. */
    public static final int MAX_COMPONENTS = 16;
    /** Values of one component (a machine's MACs, its disks). */
    public static final int MAX_COMPONENT_VALUES = 16;
    /** Bytes of a component name: a lower-case letter, then a-z, 0-9 and _. */
    public static final int MAX_COMPONENT_NAME_LEN = 32;
    /** Characters of one component value. */
    public static final int MAX_COMPONENT_LEN = 256;
    /** Bytes of the salt of a {@code dep} claim. */
    public static final int SALT_LEN = 16;

    /** White space trimmed from both ends of a value before hashing: Go's unicode.IsSpace, exactly. */
    private static final String SPACE = "\t\n\u000b\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
            + "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";

    private final String id;
    private final Map<String, List<String>> components;

    private Deployment(String id, Map<String, List<String>> components) throws VerifyException {
        this.id = id;
        this.components = components;
        validate();
    }

    /** Returns the deployment named by {@code id} alone. @throws VerifyException ({@link Reason#DEPLOYMENT_ERROR}) out of bounds */
    public static Deployment of(String id) throws VerifyException {
        return of(id, Map.of());
    }

    /**
     * Returns the deployment {@code id} with {@code components} (name to values; copied).
     *
     * @throws VerifyException with {@link Reason#DEPLOYMENT_ERROR} when it is out of bounds: no id, an id
     *     over 1024 characters, a control character other than white space around a value, a bad component
     *     name, more than 16 components or values, an empty or over-256-character value
     */
    public static Deployment of(String id, Map<String, ? extends List<String>> components) throws VerifyException {
        Objects.requireNonNull(id, "id");
        Map<String, List<String>> m = new TreeMap<>();
        for (Map.Entry<String, ? extends List<String>> e : components.entrySet()) {
            List<String> vals = new ArrayList<>();
            for (String v : e.getValue()) vals.add(Objects.requireNonNull(v, "component value"));
            m.put(Objects.requireNonNull(e.getKey(), "component name"), Collections.unmodifiableList(vals));
        }
        return new Deployment(id, Collections.unmodifiableMap(m));
    }

    /**
     * Reads a deployment from its JSON form, as licentia-verify --deployment FILE takes it:
     * {@code {"id": "...", "components": {"mac": ["...", "..."], "hostname": "..."}}}, each component a
     * string or a list of strings, or a plain string for the id alone.
     *
     * @throws VerifyException with {@link Reason#DEPLOYMENT_ERROR} when it is not such JSON or out of bounds
     */
    public static Deployment parse(byte[] json) throws VerifyException {
        try {
            return fromJson(Json.parse(json));
        } catch (Json.SyntaxException e) {
            throw error("not a deployment in JSON: " + e.getMessage());
        }
    }

    /** Reads a parsed JSON value as Go's Deployment.UnmarshalJSON does. */
    static Deployment fromJson(Object doc) throws VerifyException {
        if (doc instanceof String s) return of(s);
        if (!(doc instanceof Json.Obj o)) throw error("want a string (the id) or {\"id\": ..., \"components\": {...}}");
        String id;
        Json.Obj comps;
        try {
            id = Jws.orEmpty(o.field("id", String.class));
            comps = o.field("components", Json.Obj.class);
        } catch (Json.SyntaxException e) {
            throw error("want {\"id\": string, \"components\": {...}}");
        }
        Map<String, List<String>> m = new TreeMap<>();
        if (comps != null) {
            Map<String, Object> exact = comps.exact();
            if (exact.size() > MAX_COMPONENTS) throw error(exact.size() + " components, at most " + MAX_COMPONENTS);
            for (Map.Entry<String, Object> e : exact.entrySet()) {
                List<String> vals = new ArrayList<>();
                if (e.getValue() instanceof String s) {
                    vals.add(s);
                } else if (e.getValue() instanceof List<?> l) {
                    for (Object v : l) {
                        if (v != null && !(v instanceof String)) throw notStrings(e.getKey());
                        vals.add(v == null ? "" : (String) v);
                    }
                } else if (e.getValue() != null) {
                    throw notStrings(e.getKey());
                }
                m.put(e.getKey(), vals);
            }
        }
        return of(id, m);
    }

    private static VerifyException notStrings(String name) {
        return error("component \"" + shorten(name) + "\" is neither a string nor a list of strings");
    }

    /** Returns the id. */
    public String id() {
        return id;
    }

    /** Returns the components, name to values, sorted by name; unmodifiable. */
    public Map<String, List<String>> components() {
        return components;
    }

    /** Returns the JSON form a server request carries: {"id": ..., "components": {name: [values]}}. */
    public String toJson() {
        StringBuilder b = new StringBuilder("{\"id\":");
        Json.quote(b, id);
        if (!components.isEmpty()) {
            b.append(",\"components\":");
            Json.stringLists(b, components);
        }
        return b.append('}').toString();
    }

    /** Only the shape, never the raw values (which are not to be logged). */
    @Override
    public String toString() {
        return "Deployment[" + components.size() + " components " + components.keySet() + "]";
    }

    private void validate() throws VerifyException {
        int n = id.codePointCount(0, id.length());
        if (trim(id).isEmpty()) throw error("no id");
        if (n > MAX_ID_LEN) throw error("id of " + n + " characters, at most " + MAX_ID_LEN);
        if (!printable(trim(id))) throw error("id holds a control character or is not UTF-8");
        if (components.size() > MAX_COMPONENTS) throw error(components.size() + " components, at most " + MAX_COMPONENTS);
        for (Map.Entry<String, List<String>> e : components.entrySet()) {
            String name = e.getKey();
            List<String> vals = e.getValue();
            if (!validComponentName(name)) {
                throw error("component name \"" + shorten(name) + "\": want a lower-case letter, then up to "
                        + (MAX_COMPONENT_NAME_LEN - 1) + " of a-z, 0-9 and _");
            }
            if (vals.isEmpty()) throw error("component " + name + " has no value");
            if (vals.size() > MAX_COMPONENT_VALUES) {
                throw error("component " + name + " has " + vals.size() + " values, at most " + MAX_COMPONENT_VALUES);
            }
            for (String v : vals) {
                int m = v.codePointCount(0, v.length());
                if (normalize(name, v).isEmpty()) throw error("component " + name + " has an empty value");
                if (m > MAX_COMPONENT_LEN) {
                    throw error("a value of component " + name + " has " + m + " characters, at most " + MAX_COMPONENT_LEN);
                }
                if (!printable(trim(v))) throw error("a value of component " + name + " holds a control character or is not UTF-8");
            }
        }
    }

    private static VerifyException error(String detail) {
        return new VerifyException(Reason.DEPLOYMENT_ERROR, "unusable deployment: " + detail);
    }

    static String shorten(String s) {
        return s.length() > 40 ? s.substring(0, 32) + "…" : s;
    }

    /** Reports whether name is a component name: 1 to 32 bytes, a lower-case letter, then a-z, 0-9 and _. */
    static boolean validComponentName(String name) {
        if (name.isEmpty() || name.length() > MAX_COMPONENT_NAME_LEN || name.charAt(0) < 'a' || name.charAt(0) > 'z') return false;
        for (int k = 1; k < name.length(); k++) {
            char c = name.charAt(k);
            if ((c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_') return false;
        }
        return true;
    }

    private static boolean printable(String s) {
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c < 0x20 || (c >= 0x7f && c < 0xa0)) return false;
            if (Character.isHighSurrogate(c)) {
                if (k + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(k + 1))) return false;
                k++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    private static String trim(String s) {
        int i = 0, j = s.length();
        while (i < j && SPACE.indexOf(s.charAt(i)) >= 0) i++;
        while (j > i && SPACE.indexOf(s.charAt(j - 1)) >= 0) j--;
        return s.substring(i, j);
    }

    /**
     * Returns the form of a component value that is hashed: white space trimmed at both ends (Go's
     * unicode.IsSpace), the ASCII letters A-Z lowered (no other character changes), and for {@code mac}
     * every ':', '-' and '.' removed.
     */
    public static String normalize(String name, String value) {
        String v = trim(value);
        boolean mac = name.equals("mac");
        StringBuilder b = new StringBuilder(v.length());
        for (int k = 0; k < v.length(); k++) {
            char c = v.charAt(k);
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            } else if (mac && (c == ':' || c == '-' || c == '.')) {
                continue;
            }
            b.append(c);
        }
        return b.toString();
    }

    /**
     * Returns the hash a {@code dep} claim holds for a value of the component {@code name} ("id" for the
     * deployment id): the first 16 bytes of SHA-256(salt ‖ name ‖ 0x00 ‖ normalized value), base64url
     * without padding (22 characters).
     */
    public static String hash(byte[] salt, String name, String value) {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
        d.update(salt);
        d.update(name.getBytes(StandardCharsets.UTF_8));
        d.update((byte) 0);
        d.update(normalize(name, value).getBytes(StandardCharsets.UTF_8));
        byte[] sum = d.digest();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(sum, 16));
    }
}
