package io.github.licentia.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Deployment binding (the "dep" claim): every vector of verifier/testdata/deployment_vectors.json, the
 * table of scripted machine changes, and "dep" decoded as the Go verifier decodes it.
 */
class DeploymentTest {
    /** The system property licentia.deployment_vectors, or deployment_vectors.json next to the golden vectors. */
    static Json.Obj vectors() throws Exception {
        String path = System.getProperty("licentia.deployment_vectors");
        if (path == null) {
            path = Path.of(System.getProperty("licentia.vectors", "../../verifier/testdata/vectors.json"))
                    .resolveSibling("deployment_vectors.json").toString();
        }
        return (Json.Obj) Json.parse(Files.readAllBytes(Path.of(path)));
    }

    private final Json.Obj dv;
    private final Map<String, Object> doc;
    private final Keyring keyring;
    private final long now;

    @SuppressWarnings("unchecked")
    DeploymentTest() throws Exception {
        dv = vectors();
        doc = (Map<String, Object>) Fixture.plain(dv);
        keyring = Keyring.parse(((String) doc.get("public_key_pem")).getBytes(StandardCharsets.UTF_8));
        now = ((Json.Num) doc.get("now_unix")).asLong();
    }

    private Clock clock() {
        return Clock.fixed(Instant.ofEpochSecond(now), ZoneOffset.UTC);
    }

    private Verifier.Builder builder() {
        Map<?, ?> o = (Map<?, ?>) doc.get("options");
        return Verifier.builder(keyring).issuer((String) o.get("issuer")).product((String) o.get("product"))
                .sku((String) o.get("sku")).clock(clock());
    }

    /** The deployment of a vector: its JSON form, read as Deployment.parse reads a file. */
    private static Deployment deployment(Object d) throws VerifyException {
        StringBuilder b = new StringBuilder();
        json(b, d);
        return Deployment.parse(b.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void json(StringBuilder b, Object v) {
        if (v instanceof String s) {
            Json.quote(b, s);
        } else if (v instanceof Map<?, ?> m) {
            b.append('{');
            String sep = "";
            for (Map.Entry<?, ?> e : m.entrySet()) {
                b.append(sep);
                Json.quote(b, (String) e.getKey());
                b.append(':');
                json(b, e.getValue());
                sep = ",";
            }
            b.append('}');
        } else if (v instanceof List<?> l) {
            b.append('[');
            for (int k = 0; k < l.size(); k++) {
                if (k > 0) b.append(',');
                json(b, l.get(k));
            }
            b.append(']');
        } else {
            b.append(v instanceof Json.Num n ? n.text() : String.valueOf(v));
        }
    }

    /**
     * The reason of checking code with the deployment d (null: none), twice, or deployment_error when the
     * deployment cannot be built.
     */
    private String outcome(String code, Object d) throws Exception {
        Verifier.Builder b = builder();
        if (d != null) {
            try {
                b.deployment(deployment(d));
            } catch (VerifyException e) {
                assertEquals(Reason.DEPLOYMENT_ERROR, e.reason());
                assertEquals(66, e.reason().exitStatus());
                return e.reason().wireName();
            }
        }
        Verifier v = b.build();
        List<String> got = new ArrayList<>();
        for (int n = 0; n < 2; n++) {
            try {
                v.check(code);
                got.add("valid");
            } catch (VerifyException e) {
                got.add(e.reason().wireName());
                if (e.reason() == Reason.WRONG_DEPLOYMENT) assertEquals(8, e.reason().exitStatus());
            }
        }
        assertEquals(got.get(0), got.get(1));
        return got.get(0);
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> list(String name) {
        return (List<Map<String, Object>>) doc.get(name);
    }

    private static Object want(Map<String, Object> v, String name) {
        return ((Map<?, ?>) v.get("want")).get(name);
    }

    @Test
    void everyHashVector() {
        assertTrue(list("hashes").size() >= 10);
        for (Map<String, Object> h : list("hashes")) {
            String name = (String) h.get("name"), value = (String) h.get("value");
            byte[] salt = Base64.getUrlDecoder().decode((String) h.get("salt"));
            assertEquals(h.get("normalized"), Deployment.normalize(name, value), name + " " + value);
            assertEquals(h.get("hash"), Deployment.hash(salt, name, value), name + " " + value);
        }
    }

    @TestFactory
    List<DynamicTest> everyCodeVector() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> c : list("codes")) {
            tests.add(DynamicTest.dynamicTest((String) c.get("name"),
                    () -> assertEquals(want(c, "reason"), outcome((String) c.get("code"), c.get("deployment")))));
        }
        assertTrue(tests.size() > 20);
        return tests;
    }

    @TestFactory
    List<DynamicTest> theMachineChangeTable() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> s : list("changes")) {
            tests.add(DynamicTest.dynamicTest((String) s.get("name"), () -> {
                Map<String, Object> m = list("machines").stream().filter(x -> x.get("name").equals(s.get("machine"))).findFirst().orElseThrow();
                String code = (String) m.get("code");
                assertEquals(want(s, "reason"), outcome(code, s.get("deployment")));
                DeploymentClaim c = builder().build().verify(code).deployment();
                assertEquals(((Json.Num) m.get("match")).asLong(), c.match());
                DeploymentClaim.Match got = c.matches(deployment(s.get("deployment")));
                assertEquals(new DeploymentClaim.Match(((Json.Num) s.get("matched")).asLong().intValue(),
                        ((Json.Num) s.get("needed")).asLong(), (Boolean) want(s, "valid")), got);
            }));
        }
        assertTrue(tests.size() >= 10);
        return tests;
    }

    @Test
    void claimsCarryTheBinding() throws Exception {
        Map<String, Object> m = list("machines").get(0);
        Claims c = builder().deployment(deployment(m.get("bound"))).build().verify((String) m.get("code"));
        Map<?, ?> dep = (Map<?, ?>) ((Map<?, ?>) Fixture.plain(Json.parse(c.toJson().getBytes(StandardCharsets.UTF_8)))).get("dep");
        assertEquals(((Json.Num) m.get("match")).text(), ((Json.Num) dep.get("k")).text());
        assertEquals(new TreeSet<>(((Map<?, ?>) ((Map<?, ?>) m.get("bound")).get("components")).keySet()),
                new TreeSet<>(((Map<?, ?>) dep.get("c")).keySet()));
        String payload = new String(Jws.b64(((String) m.get("code")).split("\\.")[1]), StandardCharsets.UTF_8);
        assertEquals(payload, c.toJson(), "toJson gives the signed form");
        String absent = list("codes").stream().filter(x -> x.get("name").equals("dep_absent")).map(x -> (String) x.get("code")).findFirst().orElseThrow();
        assertNull(builder().build().verify(absent).deployment());
    }

    @Test
    void depMemberNamesFoldAndObjectsMerge() throws Exception {
        Fixture f = new Fixture();
        Map<String, Object> m = list("machines").get(0);
        String payload = new String(Jws.b64(((String) m.get("code")).split("\\.")[1]), StandardCharsets.UTF_8);
        int at = payload.indexOf(",\"dep\":");
        String base = payload.substring(0, at), full = payload.substring(at + 7, payload.length() - 1);
        DeploymentClaim real = builder().build().verify((String) m.get("code")).deployment();
        StringBuilder cj = new StringBuilder();
        json(cj, Fixture.plain(((Json.Obj) Json.parse(full.getBytes(StandardCharsets.UTF_8))).exact().get("c")));
        String first = "{\"S\":\"" + real.salt() + "\",\"iD\":\"" + real.id() + "\"}";
        String second = "{\"C\":" + cj + ",\"\u212a\":" + real.match() + "}";
        Object bound = m.get("bound");
        String other = "{\"id\":\"x\",\"components\":{\"machine_id\":\"nope\"}}";
        String[][] cases = {
            {base + ",\"DEP\":" + full + "}", "bound", "valid"},
            {base + ",\"DEP\":" + full + "}", "other", "wrong_deployment"},
            {base + ",\"dep\":" + first + ",\"dep\":" + second + "}", "other", "wrong_deployment"}, // merged
            {base + ",\"dep\":" + first + ",\"dep\":" + second + "}", "bound", "valid"},
            {base + ",\"dep\":" + full + ",\"dep\":null}", "other", "valid"}, // null: absent
            {base + ",\"dep\":" + full + ",\"dep\":{\"c\":null}}", "other", "malformed"}, // c cleared, k stays
            {base + ",\"dep\":" + full + ",\"dep\":{\"s\":null,\"k\":null}}", "other", "wrong_deployment"}, // null keeps
            {base + ",\"dep\":[]}", "", "malformed"},
            {base + ",\"dep\":" + full.replace("\"k\":3", "\"k\":\"3\"") + "}", "", "malformed"},
            {base + ",\"dep\":" + full.replace("\"k\":3", "\"k\":3.0") + "}", "", "malformed"},
            {base + ",\"dep\":" + full.replace("\"c\":{", "\"c\":{\"mac\":\"x\",") + "}", "", "malformed"},
        };
        for (String[] c : cases) {
            Verifier.Builder b = Verifier.builder(keyring).anyProduct().clock(clock());
            if (c[1].equals("bound")) b.deployment(deployment(bound));
            if (c[1].equals("other")) b.deployment(Deployment.parse(other.getBytes(StandardCharsets.UTF_8)));
            String got;
            try {
                b.build().check(f.code(c[0]));
                got = "valid";
            } catch (VerifyException e) {
                got = e.reason().wireName();
            }
            assertEquals(c[2], got, c[0].substring(Math.max(0, c[0].length() - 100)));
        }
    }

    @Test
    void aDeploymentOutOfBoundsIsRefused() throws Exception {
        String[] bad = {"\"\"", "\" \"", "\"a\\u0000b\"", "{\"id\":\"x\",\"components\":{\"MAC\":\"1\"}}",
            "{\"id\":\"x\",\"components\":{\"mac\":\"::\"}}", "{\"id\":\"x\",\"components\":{\"mac\":[]}}",
            "{\"id\":\"" + "x".repeat(1025) + "\"}", "{\"id\":7}", "{\"id\":\"x\",\"components\":[]}",
            "{\"id\":\"x\",\"components\":{\"disk\":7}}", "{\"id\":\"x\",\"components\":{\"disk\":[\"" + "s".repeat(257) + "\"]}}",
            "{\"id\":\"x\",\"components\":{\"disk\":[\"a\\u0085b\"]}}", "{\"id\":\"x\",\"components\":{\"disk\":null}}",
            "7", "[\"x\"]", "{", "{\"id\":\"x\",\"components\":{\"disk\":[\"\"]}}"};
        for (String j : bad) {
            VerifyException e = assertThrows(VerifyException.class, () -> Deployment.parse(j.getBytes(StandardCharsets.UTF_8)), j);
            assertEquals(Reason.DEPLOYMENT_ERROR, e.reason(), j);
        }
        // a lone surrogate is not UTF-8 (in JSON, Go and this reader take the escape \ud800 as U+FFFD)
        assertEquals(Reason.DEPLOYMENT_ERROR, assertThrows(VerifyException.class, () -> Deployment.of("\ud800x")).reason());
        assertEquals("\ufffdx", Deployment.parse("\"\\ud800x\"".getBytes(StandardCharsets.UTF_8)).id());
        StringBuilder many = new StringBuilder("{\"id\":\"x\",\"components\":{");
        for (int k = 0; k < 17; k++) many.append(k > 0 ? "," : "").append("\"c").append(k).append("\":\"v\"");
        assertThrows(VerifyException.class, () -> Deployment.parse(many.append("}}").toString().getBytes(StandardCharsets.UTF_8)));
        List<String> disks = new ArrayList<>();
        for (int k = 0; k < 17; k++) disks.add("s" + k);
        assertThrows(VerifyException.class, () -> Deployment.of("x", Map.of("disk", disks)));
        Deployment d = Deployment.of(" " + "主".repeat(126) + "\n", Map.of("hostname", List.of("web-1\n"), "mac", List.of("A", "B")));
        assertEquals("{\"id\":\" " + "主".repeat(126) + "\\n\",\"components\":{\"hostname\":[\"web-1\\n\"],\"mac\":[\"A\",\"B\"]}}", d.toJson());
        assertEquals(2048, Deployment.of("😀".repeat(1024)).id().length(), "1024 characters, counted as code points");
        assertTrue(!d.toString().contains("web-1"), "toString shows no raw value");
    }
}
