package io.github.licentia.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** Every golden vector, checked as the Go verifier checks it, with the Go reason names. */
class VectorsTest {
    @TempDir
    Path dir;

    @TestFactory
    List<DynamicTest> vectors() throws Exception {
        Fixture f = new Fixture();
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> v : f.vectors()) {
            tests.add(DynamicTest.dynamicTest((String) v.get("name"), () -> check(f, v)));
        }
        assertTrue(tests.size() >= 40, "vectors: got " + tests.size() + ", want the whole file");
        return tests;
    }

    private void check(Fixture f, Map<String, Object> v) throws Exception {
        Verifier.Builder b = f.builder();
        if (Boolean.TRUE.equals(v.get("allow_test"))) b.allowTest();
        if (v.get("state") instanceof Map<?, ?> st) {
            Path p = dir.resolve(v.get("name") + ".json");
            StringBuilder json = new StringBuilder("{\"format\":\"licentia-verifier-state/1\",\"seen\":")
                    .append(((Json.Num) st.get("seen")).text()).append(",\"min_gen\":{");
            String sep = "";
            for (Map.Entry<?, ?> e : ((Map<?, ?>) st.get("min_gen")).entrySet()) {
                json.append(sep).append('"').append(e.getKey()).append("\":").append(((Json.Num) e.getValue()).text());
                sep = ",";
            }
            Files.writeString(p, json.append("}}").toString());
            b.state(State.open(p));
        }
        Map<?, ?> want = (Map<?, ?>) v.get("want");
        String code = (String) v.get("code");
        if (Boolean.TRUE.equals(want.get("valid"))) {
            Result r = b.build().check(code);
            assertEquals(want.get("in_grace"), r.inGrace(), "in_grace");
            assertEquals(f.keyId, r.keyId());
            return;
        }
        VerifyException e = assertThrows(VerifyException.class, () -> b.build().check(code));
        assertEquals(want.get("reason"), e.reason().wireName(), "reason; message " + e.getMessage());
        assertEquals(((Json.Num) want.get("exit")).asLong().intValue(), e.reason().exitStatus(), "exit status");
    }

    @Test
    void algEd25519SignedAnew() throws Exception {
        Fixture f = new Fixture();
        String valid = (String) f.vector("valid").get("code");
        String payload = new String(Jws.b64(valid.split("\\.")[1]), StandardCharsets.UTF_8);
        String code = f.sign("{\"alg\":\"Ed25519\",\"kid\":\"" + f.keyId + "\",\"typ\":\"licentia+jwt\"}", payload);
        Claims c = f.builder().build().verify(code);
        assertEquals("inst-0001", c.licenseId());
        assertEquals(payload, c.toJson(), "toJson gives the signed form");
    }

    @Test
    void claimsOnRefusalOnlyAfterTheSignature() throws Exception {
        Fixture f = new Fixture();
        VerifyException expired = assertThrows(VerifyException.class, () -> f.builder().build().check((String) f.vector("expired").get("code")));
        assertEquals("OFFI001", expired.claims().productId());
        VerifyException forged = assertThrows(VerifyException.class, () -> f.builder().build().check((String) f.vector("tampered_claims").get("code")));
        assertNull(forged.claims());
        assertEquals(f.keyId, forged.keyId());
    }

    @Test
    void reasonsNestAsInGo() {
        assertTrue(Reason.WRONG_SKU.is(Reason.WRONG_PRODUCT));
        assertTrue(Reason.SUPERSEDED.is(Reason.REVOKED));
        assertTrue(Reason.WRONG_TYPE.is(Reason.MALFORMED));
        assertFalse(Reason.REVOKED.is(Reason.SUPERSEDED));
        assertEquals(Reason.STALE_LIST, Reason.fromWireName("stale_list"));
        for (Reason r : Reason.values()) {
            if (!r.wireName().matches("[a-z_]+")) fail("reason name " + r.wireName());
        }
    }
}
