package io.github.licentia.verify;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** The golden vectors of verifier/testdata/vectors.json and a signer with their seed. */
final class Fixture {
    final Map<String, Object> doc;
    final long now;
    final Keyring keyring;
    final String keyId;
    final RevocationList revocations;
    private final PrivateKey signer;

    Fixture() throws Exception {
        String path = System.getProperty("licentia.vectors", "../../verifier/testdata/vectors.json");
        @SuppressWarnings("unchecked")
        Map<String, Object> d = (Map<String, Object>) plain(Json.parse(Files.readAllBytes(Path.of(path))));
        doc = d;
        now = ((Json.Num) d.get("now_unix")).asLong();
        keyring = Keyring.parse(((String) d.get("public_key_pem")).getBytes(StandardCharsets.UTF_8));
        keyId = (String) d.get("key_id");
        revocations = RevocationList.parse(keyring, ((String) d.get("revocations")).getBytes(StandardCharsets.UTF_8));
        byte[] seed = HexFormat.of().parseHex((String) d.get("seed"));
        signer = KeyFactory.getInstance("Ed25519").generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed));
    }

    /** Returns v with every object as a map (exact names, the last member wins). */
    static Object plain(Object v) {
        if (v instanceof Json.Obj o) {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            o.exact().forEach((k, x) -> m.put(k, plain(x)));
            return m;
        }
        if (v instanceof List<?> l) return l.stream().map(Fixture::plain).toList();
        return v;
    }

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> vectors() {
        return (List<Map<String, Object>>) doc.get("vectors");
    }

    Map<String, Object> vector(String name) {
        return vectors().stream().filter(v -> name.equals(v.get("name"))).findFirst().orElseThrow();
    }

    String option(String name) {
        return (String) ((Map<?, ?>) doc.get("options")).get(name);
    }

    Clock clock(long unix) {
        return Clock.fixed(Instant.ofEpochSecond(unix), ZoneOffset.UTC);
    }

    /** A verifier configured as the vectors file says (options, the list, the file's now). */
    Verifier.Builder builder() {
        return Verifier.builder(keyring).issuer(option("issuer")).product(option("product")).sku(option("sku"))
                .revocations(revocations).clock(clock(now));
    }

    static String b64(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** Signs header and payload JSON with the vectors' seed. */
    String sign(String headerJson, String payloadJson) throws Exception {
        String input = b64(headerJson.getBytes(StandardCharsets.UTF_8)) + "." + b64(payloadJson.getBytes(StandardCharsets.UTF_8));
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(signer);
        s.update(input.getBytes(StandardCharsets.US_ASCII));
        return input + "." + b64(s.sign());
    }

    String code(String payloadJson) throws Exception {
        return sign("{\"alg\":\"EdDSA\",\"kid\":\"" + keyId + "\",\"typ\":\"licentia+jwt\"}", payloadJson);
    }

    String list(long iat, String minGenJson) throws Exception {
        return sign("{\"alg\":\"EdDSA\",\"kid\":\"" + keyId + "\",\"typ\":\"licentia-revocations+jwt\"}",
                "{\"iat\":" + iat + ",\"min_gen\":" + minGenJson + "}");
    }

    /** An active code of the vectors' product for license id at generation gen, issued at iat. */
    String code(String id, long gen, long iat) throws Exception {
        return code("{\"iss\":\"licentia\",\"sub\":\"" + id + "\",\"gen\":" + gen + ",\"iat\":" + iat + ",\"nbf\":" + (now - 86400)
                + ",\"exp\":" + (now + 86400 * 30) + ",\"st\":\"active\",\"pid\":\"OFFI001\",\"sku\":\"sku-std\",\"ord\":\"o-1\"}");
    }
}
