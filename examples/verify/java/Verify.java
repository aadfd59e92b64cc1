// Verify a licentia authorization code offline, in Java 17, with the JDK alone (no library).
//
// Usage: java Verify.java JWKS_FILE CODE      (CODE "-" reads the code from standard input)
//
// Environment (each optional): LICENTIA_PRODUCT (accepted pid), LICENTIA_SKU (accepted sku),
// LICENTIA_ISSUER (accepted iss), LICENTIA_ALLOW_TEST=1 (accept marketplace test codes),
// LICENTIA_NOW (unix seconds to judge the code at, instead of the clock).
//
// Prints the verified claims as JSON and exits 0 when the code is valid; prints the reason on standard
// error and exits 1 when it is not; exits 64 on a usage error. The format is specified in the licentia
// repository's verifier/doc.go; this program follows it and uses no licentia code.

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class Verify {
    static final String CODE_TYPE = "licentia+jwt";
    static final List<String> ALGORITHMS = List.of("EdDSA", "Ed25519"); // RFC 8037's and RFC 9864's names
    static final int MAX_CODE = 8192, MAX_HEADER = 512, SIGNATURE_CHARS = 86;
    // Ed25519 SubjectPublicKeyInfo DER prefix; the key id is SHA-256 over prefix + key, first 8 bytes, hex.
    static final byte[] SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    /** The code is not valid; the message is a stable reason such as "expired". */
    static final class Invalid extends Exception {
        Invalid(String reason) { super(reason, null, false, false); }
    }

    public static void main(String[] args) {
        System.exit(run(args, System.getenv()));
    }

    static int run(String[] args, Map<String, String> env) {
        if (args.length != 2) {
            System.err.println("usage: java Verify.java JWKS_FILE CODE   (CODE - reads standard input)");
            return 64;
        }
        Map<String, PublicKey> keys;
        String code;
        long now;
        try {
            keys = loadKeys(Path.of(args[0]));
            code = args[1].equals("-") ? new String(System.in.readNBytes(1 << 20), StandardCharsets.UTF_8) : args[1];
            String at = env.get("LICENTIA_NOW");
            now = at == null || at.isEmpty() ? Math.floorDiv(System.currentTimeMillis(), 1000) : Long.parseLong(at);
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            System.err.println("Verify: " + e.getMessage());
            return 1;
        }
        try {
            Map<String, Object> claims = verify(keys, code, env, now);
            long exp = num(claims, "exp");
            if (exp > 0 && exp <= now) {
                System.err.println("Verify: the license has expired and is in its grace period; renew it");
            }
            System.out.println(Json.write(claims));
            return 0;
        } catch (Invalid e) {
            System.err.println("Verify: invalid code: " + e.getMessage());
            return 1;
        }
    }

    /** Returns kid → public key for the OKP/Ed25519 signing keys of a JWKS file. */
    static Map<String, PublicKey> loadKeys(Path path) throws IOException, GeneralSecurityException {
        Object doc;
        try {
            doc = Json.parse(Files.readString(path));
        } catch (Invalid e) {
            throw new IllegalArgumentException("the key file is not JSON");
        }
        Map<String, PublicKey> found = new HashMap<>();
        Object list = doc instanceof Map<?, ?> m ? m.get("keys") : null;
        for (Object o : list instanceof List<?> l ? l : List.of()) {
            if (!(o instanceof Map<?, ?> k)) continue;
            if (k.containsKey("d")) throw new IllegalArgumentException("the key file holds a private key; ship only public keys");
            if (!"OKP".equals(k.get("kty")) || !"Ed25519".equals(k.get("crv"))) continue;
            if ((k.containsKey("alg") && !ALGORITHMS.contains(k.get("alg"))) || (k.containsKey("use") && !"sig".equals(k.get("use")))) continue;
            byte[] x;
            try {
                x = b64url(k.get("x") instanceof String s ? s : "");
            } catch (Invalid e) {
                throw new IllegalArgumentException("a key with a bad \"x\"");
            }
            if (x.length != 32) throw new IllegalArgumentException("a key of " + x.length + " bytes, want 32");
            byte[] der = ByteBuffer.allocate(SPKI_PREFIX.length + 32).put(SPKI_PREFIX).put(x).array();
            String kid = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der), 0, 8);
            if (k.containsKey("kid") && !kid.equals(k.get("kid"))) {
                throw new IllegalArgumentException("key id " + k.get("kid") + " does not match its key (" + kid + ")");
            }
            found.put(kid, KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der)));
        }
        if (found.isEmpty()) throw new IllegalArgumentException("no Ed25519 signing key in the key file");
        return found;
    }

    /** Strict base64url: URL-safe alphabet, no padding, canonical (zero unused bits). */
    static byte[] b64url(String part) throws Invalid {
        if (!part.matches("[A-Za-z0-9_-]*") || part.length() % 4 == 1) throw new Invalid("malformed");
        byte[] raw = Base64.getUrlDecoder().decode(part);
        if (!Base64.getUrlEncoder().withoutPadding().encodeToString(raw).equals(part)) throw new Invalid("malformed");
        return raw;
    }

    static Object utf8Json(byte[] b) throws Invalid {
        try {
            return Json.parse(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString());
        } catch (CharacterCodingException e) {
            throw new Invalid("malformed");
        }
    }

    static String str(Map<String, Object> m, String name) { return m.get(name) instanceof String s ? s : ""; }

    static long num(Map<String, Object> m, String name) { return m.get(name) instanceof Long n ? n : 0; }

    /** Returns the verified claims or throws Invalid. Follows verifier/doc.go's checks in order. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> verify(Map<String, PublicKey> keys, String input, Map<String, String> env, long now) throws Invalid {
        String code = input.replaceAll("^[ \\t\\r\\n\\x0B\\f]+|[ \\t\\r\\n\\x0B\\f]+$", "").replaceAll("[\\r\\n]", "");
        if (code.isEmpty() || code.length() > MAX_CODE) throw new Invalid("malformed");
        String[] parts = code.split("\\.", -1);
        if (parts.length != 3 || parts[0].isEmpty() || parts[0].length() > MAX_HEADER || parts[1].isEmpty()) throw new Invalid("malformed");
        // 1. Form: header JSON object, no crit, alg, typ.
        if (!(utf8Json(b64url(parts[0])) instanceof Map<?, ?> hm)) throw new Invalid("malformed");
        Map<String, Object> header = (Map<String, Object>) hm;
        if (header.containsKey("crit")) throw new Invalid("malformed");
        for (String n : List.of("alg", "kid", "typ")) {
            if (header.containsKey(n) && !(header.get(n) instanceof String)) throw new Invalid("malformed");
        }
        if (!ALGORITHMS.contains(str(header, "alg"))) throw new Invalid("wrong_algorithm");
        if (!CODE_TYPE.equals(header.get("typ"))) throw new Invalid("wrong_type");
        // 2. Key, by kid only.
        PublicKey key = keys.get(str(header, "kid"));
        if (key == null) throw new Invalid("unknown_key");
        // 3. Signature (exactly 64 bytes) over the ASCII of header "." claims; the claims are decoded after.
        if (parts[2].length() != SIGNATURE_CHARS) throw new Invalid("malformed");
        byte[] sig = b64url(parts[2]);
        try {
            Signature v = Signature.getInstance("Ed25519");
            v.initVerify(key);
            v.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!v.verify(sig)) throw new Invalid("bad_signature");
        } catch (GeneralSecurityException e) {
            throw new Invalid("bad_signature");
        }
        // 4. Claims: a JSON object with the required claims in range.
        if (!(utf8Json(b64url(parts[1])) instanceof Map<?, ?> cm)) throw new Invalid("malformed");
        Map<String, Object> c = (Map<String, Object>) cm;
        for (String n : List.of("iss", "sub", "st", "pid", "sku", "ord", "oli", "cid")) {
            if (c.containsKey(n) && !(c.get(n) instanceof String)) throw new Invalid("malformed");
        }
        for (String n : List.of("gen", "iat", "nbf", "exp", "grace", "qty")) {
            if (c.containsKey(n) && !(c.get(n) instanceof Long l && l >= 0)) throw new Invalid("malformed");
        }
        if (c.containsKey("test") && !(c.get("test") instanceof Boolean)) throw new Invalid("malformed");
        if (str(c, "sub").isEmpty() || str(c, "st").isEmpty() || num(c, "gen") < 1) throw new Invalid("malformed");
        // 5. Scope, when configured.
        if (set(env, "LICENTIA_ISSUER") && !str(c, "iss").equals(env.get("LICENTIA_ISSUER"))) throw new Invalid("wrong_issuer");
        if (set(env, "LICENTIA_PRODUCT") && !str(c, "pid").equals(env.get("LICENTIA_PRODUCT"))) throw new Invalid("wrong_product");
        if (set(env, "LICENTIA_SKU") && !str(c, "sku").equals(env.get("LICENTIA_SKU"))) throw new Invalid("wrong_sku");
        // 6. Test codes.
        if (Boolean.TRUE.equals(c.get("test")) && !"1".equals(env.get("LICENTIA_ALLOW_TEST"))) throw new Invalid("test_code");
        // 8. Status.
        if (str(c, "st").equals("revoked")) throw new Invalid("revoked");
        if (!str(c, "st").equals("active")) throw new Invalid("inactive");
        // 10. Time: valid while now < exp; then in grace while now < exp + grace (saturating).
        if (now < num(c, "nbf")) throw new Invalid("not_yet_valid");
        long exp = num(c, "exp");
        long end = exp + num(c, "grace");
        if (exp > 0 && (end < exp ? Long.MAX_VALUE : end) <= now) throw new Invalid("expired");
        return c;
    }

    static boolean set(Map<String, String> env, String name) {
        String v = env.get(name);
        return v != null && !v.isEmpty();
    }

    /** A small, strict JSON reader and writer: objects (LinkedHashMap), arrays, strings, Long integers,
     *  Double for numbers with a fraction or exponent, Boolean and null. */
    static final class Json {
        private final String s;
        private int i;

        private Json(String s) { this.s = s; }

        static Object parse(String s) throws Invalid {
            Json p = new Json(s);
            Object v = p.value(0);
            p.ws();
            if (p.i != s.length()) throw new Invalid("malformed");
            return v;
        }

        private void ws() {
            while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) i++;
        }

        private Object value(int depth) throws Invalid {
            ws();
            if (i >= s.length() || depth > 64) throw new Invalid("malformed");
            char c = s.charAt(i);
            switch (c) {
                case '{': {
                    i++;
                    Map<String, Object> m = new LinkedHashMap<>();
                    ws();
                    if (peek('}')) return m;
                    do {
                        ws();
                        if (i >= s.length() || s.charAt(i) != '"') throw new Invalid("malformed");
                        String k = string();
                        ws();
                        expect(':');
                        m.put(k, value(depth + 1));
                        ws();
                    } while (peek(','));
                    expect('}');
                    return m;
                }
                case '[': {
                    i++;
                    List<Object> l = new ArrayList<>();
                    ws();
                    if (peek(']')) return l;
                    do {
                        l.add(value(depth + 1));
                        ws();
                    } while (peek(','));
                    expect(']');
                    return l;
                }
                case '"':
                    return string();
                default:
                    if (word("true")) return Boolean.TRUE;
                    if (word("false")) return Boolean.FALSE;
                    if (word("null")) return null;
                    return number();
            }
        }

        private boolean peek(char c) {
            if (i < s.length() && s.charAt(i) == c) { i++; return true; }
            return false;
        }

        private void expect(char c) throws Invalid {
            if (!peek(c)) throw new Invalid("malformed");
        }

        private boolean word(String w) {
            if (s.startsWith(w, i)) { i += w.length(); return true; }
            return false;
        }

        private String string() throws Invalid {
            i++; // opening quote
            StringBuilder b = new StringBuilder();
            while (true) {
                if (i >= s.length()) throw new Invalid("malformed");
                char c = s.charAt(i++);
                if (c == '"') return b.toString();
                if (c < 0x20) throw new Invalid("malformed");
                if (c != '\\') { b.append(c); continue; }
                if (i >= s.length()) throw new Invalid("malformed");
                char e = s.charAt(i++);
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        if (i + 4 > s.length() || !s.substring(i, i + 4).matches("[0-9a-fA-F]{4}")) throw new Invalid("malformed");
                        b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> throw new Invalid("malformed");
                }
            }
        }

        private Object number() throws Invalid {
            int start = i;
            peek('-');
            int digits = i;
            while (i < s.length() && Character.isDigit(s.charAt(i)) && s.charAt(i) < 128) i++;
            if (i == digits || (s.charAt(digits) == '0' && i - digits > 1)) throw new Invalid("malformed");
            boolean integer = true;
            if (peek('.')) {
                integer = false;
                int f = i;
                while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') i++;
                if (i == f) throw new Invalid("malformed");
            }
            if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
                integer = false;
                i++;
                if (!peek('+')) peek('-');
                int e = i;
                while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') i++;
                if (i == e) throw new Invalid("malformed");
            }
            String n = s.substring(start, i);
            if (!integer) return Double.parseDouble(n);
            BigInteger big = new BigInteger(n);
            if (big.bitLength() > 63) throw new Invalid("malformed");
            return big.longValue();
        }

        static String write(Object v) {
            StringBuilder b = new StringBuilder();
            write(b, v);
            return b.toString();
        }

        private static void write(StringBuilder b, Object v) {
            if (v instanceof Map<?, ?> m) {
                b.append('{');
                String sep = "";
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    b.append(sep);
                    write(b, e.getKey());
                    b.append(':');
                    write(b, e.getValue());
                    sep = ",";
                }
                b.append('}');
            } else if (v instanceof List<?> l) {
                b.append('[');
                for (int k = 0; k < l.size(); k++) {
                    if (k > 0) b.append(',');
                    write(b, l.get(k));
                }
                b.append(']');
            } else if (v instanceof String str) {
                b.append('"');
                for (char c : str.toCharArray()) {
                    switch (c) {
                        case '"' -> b.append("\\\"");
                        case '\\' -> b.append("\\\\");
                        case '\n' -> b.append("\\n");
                        case '\r' -> b.append("\\r");
                        case '\t' -> b.append("\\t");
                        default -> {
                            if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                            else b.append(c);
                        }
                    }
                }
                b.append('"');
            } else {
                b.append(v); // Long, Double, Boolean or null
            }
        }
    }
}
