package io.github.licentia.verify;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Ed25519 public keys a {@link Verifier} trusts, each known by its key id: the first 8 bytes of SHA-256
 * over the key's PKIX DER, as 16 lowercase hex characters. Immutable and safe for concurrent use.
 */
public final class Keyring {
    /** Largest key file accepted. */
    public static final int MAX_SIZE = 1 << 20;

    /** The DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32-byte key follows. */
    private static final byte[] SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([^\\r\\n]*?)-----\\r?\\n(.*?)-----END \\1-----", Pattern.DOTALL);

    private final Map<String, PublicKey> keys;

    private Keyring(Map<String, PublicKey> keys) {
        this.keys = Collections.unmodifiableMap(keys);
    }

    /**
     * Parses the trusted keys from {@code pemOrJwks}: one or more PEM {@code PUBLIC KEY} (PKIX) blocks, or a
     * JWKS document as served at {@code /.well-known/jwks.json}. In a JWKS, keys whose kty is not OKP,
     * whose crv is not Ed25519, whose alg (when present) is neither EdDSA nor Ed25519 or whose use (when
     * present) is not sig are skipped; a kid, when present, must equal the key's id. Material with a
     * private part is refused, so a private key is never shipped by mistake.
     *
     * @throws VerifyException with {@link Reason#KEYRING_ERROR} when the material is unusable or holds no key
     */
    public static Keyring parse(byte[] pemOrJwks) throws VerifyException {
        if (pemOrJwks.length > MAX_SIZE) throw keyringError("key file larger than " + MAX_SIZE + " bytes");
        String text = new String(pemOrJwks, StandardCharsets.UTF_8).strip();
        Map<String, PublicKey> found = text.startsWith("{") ? parseJwks(pemOrJwks) : parsePem(text);
        if (found.isEmpty()) throw keyringError("no public key");
        return new Keyring(found);
    }

    /** Returns the ids of the trusted keys, in the order they were given. */
    public List<String> keyIds() {
        return List.copyOf(keys.keySet());
    }

    PublicKey key(String kid) {
        return keys.get(kid);
    }

    private static VerifyException keyringError(String detail) {
        return new VerifyException(Reason.KEYRING_ERROR, detail);
    }

    private static Map<String, PublicKey> parsePem(String text) throws VerifyException {
        Map<String, PublicKey> found = new LinkedHashMap<>();
        List<byte[]> ders = new ArrayList<>();
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            if (type.contains("PRIVATE")) throw keyringError("key file holds a \"" + type + "\" block; ship only public keys");
            if (!type.equals("PUBLIC KEY")) continue;
            StringBuilder body = new StringBuilder();
            for (String line : m.group(2).split("\n")) {
                if (!line.contains(":")) body.append(line.strip());
            }
            try {
                ders.add(Base64.getDecoder().decode(body.toString()));
            } catch (IllegalArgumentException e) {
                throw keyringError("a PUBLIC KEY block is not base64");
            }
        }
        for (byte[] der : ders) {
            if (der.length != SPKI_PREFIX.length + 32 || !Arrays.equals(der, 0, SPKI_PREFIX.length, SPKI_PREFIX, 0, SPKI_PREFIX.length)) {
                throw keyringError("a PUBLIC KEY block is not an Ed25519 key");
            }
            add(found, Arrays.copyOfRange(der, SPKI_PREFIX.length, der.length));
        }
        return found;
    }

    private static Map<String, PublicKey> parseJwks(byte[] data) throws VerifyException {
        Map<String, PublicKey> found = new LinkedHashMap<>();
        try {
            if (!(Json.parse(data) instanceof Json.Obj set)) throw new Json.SyntaxException("not a JSON object");
            List<?> list = set.field("keys", List.class);
            int i = 0;
            for (Object o : list == null ? List.of() : list) {
                if (o != null && !(o instanceof Json.Obj)) throw new Json.SyntaxException("key " + i + " is not an object");
                Json.Obj k = o == null ? new Json.Obj() : (Json.Obj) o;
                String kty = str(k, "kty"), crv = str(k, "crv"), x = str(k, "x"), kid = str(k, "kid"), alg = str(k, "alg"), use = str(k, "use");
                if (k.field("d", String.class) != null) throw keyringError("jwks key " + i + " holds private key material; ship only public keys");
                i++;
                if (!kty.equals("OKP") || !crv.equals("Ed25519") || (!alg.isEmpty() && !alg.equals(Jws.ALG_EDDSA) && !alg.equals(Jws.ALG_ED25519))
                        || (!use.isEmpty() && !use.equals("sig"))) {
                    continue;
                }
                byte[] pub = Jws.b64(x);
                if (pub == null || pub.length != 32) throw keyringError("jwks key " + (i - 1) + ": \"x\" is not a base64url Ed25519 public key");
                String id = add(found, pub);
                if (!kid.isEmpty() && !kid.equals(id)) throw keyringError("jwks key " + (i - 1) + ": kid \"" + kid + "\", but the key's id is " + id);
            }
        } catch (Json.SyntaxException e) {
            throw keyringError("jwks: " + e.getMessage());
        }
        return found;
    }

    private static String str(Json.Obj k, String name) throws Json.SyntaxException {
        return Jws.orEmpty(k.field(name, String.class));
    }

    /** Adds the raw 32-byte key pub under its key id and returns the id. */
    private static String add(Map<String, PublicKey> found, byte[] pub) throws VerifyException {
        byte[] der = new byte[SPKI_PREFIX.length + 32];
        System.arraycopy(SPKI_PREFIX, 0, der, 0, SPKI_PREFIX.length);
        System.arraycopy(pub, 0, der, SPKI_PREFIX.length, 32);
        try {
            String id = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der), 0, 8);
            found.putIfAbsent(id, KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der)));
            return id;
        } catch (GeneralSecurityException e) {
            throw keyringError("not an Ed25519 public key");
        }
    }
}
