package io.github.licentia.verify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Binding, the revocation list and its freshness, the state file, and malformed input. */
class VerifierTest {
    @TempDir
    Path dir;

    private static Reason reasonOf(Verifier v, String code) {
        try {
            v.check(code);
            return null;
        } catch (VerifyException e) {
            return e.reason();
        }
    }

    @Test
    void bindingIsExplicit() throws Exception {
        Fixture f = new Fixture();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Verifier.builder(f.keyring).build());
        assertTrue(e.getMessage().contains("anyProduct()") && e.getMessage().contains("商品"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> Verifier.builder(f.keyring).anyProduct().product("OFFI001").build());
        String other = (String) f.vector("wrong_product").get("code");
        assertEquals(Reason.WRONG_PRODUCT, reasonOf(Verifier.builder(f.keyring).product("OFFI001").clock(f.clock(f.now)).build(), other));
        assertEquals(Reason.WRONG_SKU, reasonOf(Verifier.builder(f.keyring).sku("sku-pro").clock(f.clock(f.now)).build(),
                (String) f.vector("valid").get("code")));
        assertEquals(null, reasonOf(Verifier.builder(f.keyring).anyProduct().clock(f.clock(f.now)).build(), other));
        assertEquals(null, reasonOf(Verifier.builder(f.keyring).product("OFFI999", "OFFI001").clock(f.clock(f.now)).build(),
                (String) f.vector("valid").get("code")));
    }

    @Test
    void revocationListAndFreshness() throws Exception {
        Fixture f = new Fixture();
        String gen1 = f.code("inst-0009", 1, f.now - 3600);
        RevocationList fresh = RevocationList.parse(f.keyring, f.list(f.now - 60, "{\"inst-0009\":2}").getBytes(StandardCharsets.UTF_8));
        Verifier.Builder b = Verifier.builder(f.keyring).product("OFFI001").clock(f.clock(f.now)).maxListAge(Duration.ofHours(1));
        assertEquals(Reason.REVOKED, reasonOf(b.revocations(fresh).build(), gen1));
        assertEquals(null, reasonOf(b.revocations(fresh).build(), f.code("inst-0009", 2, f.now - 60)));
        RevocationList old = RevocationList.parse(f.keyring, f.list(f.now - 7200, "{}").getBytes(StandardCharsets.UTF_8));
        assertEquals(Reason.STALE_LIST, reasonOf(b.revocations(old).build(), gen1));
        assertEquals(Reason.STALE_LIST, reasonOf(b.revocations(null).build(), gen1));
        // A code passed as a list, and a list passed as a code, are told apart by typ.
        VerifyException e = assertThrows(VerifyException.class, () -> RevocationList.parse(f.keyring, gen1.getBytes(StandardCharsets.UTF_8)));
        assertEquals(Reason.WRONG_TYPE, e.reason());
        for (String bad : new String[] {"{\"\":2}", "{\"x\":0}", "{\"x\":1.5}", "null", "[]"}) {
            e = assertThrows(VerifyException.class, () -> RevocationList.parse(f.keyring, f.list(1, bad).getBytes(StandardCharsets.UTF_8)));
            assertEquals(Reason.MALFORMED, e.reason(), bad);
        }
    }

    @Test
    void stateRefusesAnOlderListPutBack() throws Exception {
        Fixture f = new Fixture();
        Path p = dir.resolve("state.json");
        RevocationList newer = RevocationList.parse(f.keyring, f.list(f.now - 60, "{}").getBytes(StandardCharsets.UTF_8));
        RevocationList older = RevocationList.parse(f.keyring, f.list(f.now - 600, "{}").getBytes(StandardCharsets.UTF_8));
        String code = f.code("inst-0010", 1, f.now - 3600);
        Verifier.Builder b = Verifier.builder(f.keyring).product("OFFI001").clock(f.clock(f.now));
        assertEquals(null, reasonOf(b.revocations(newer).state(State.open(p)).build(), code));
        assertEquals(f.now - 60, State.open(p).listIssuedAt());
        assertEquals(Reason.STALE_LIST, reasonOf(b.revocations(older).state(State.open(p)).build(), code));
        assertEquals(null, reasonOf(b.revocations(newer).state(State.open(p)).build(), code), "the same list again");
    }

    @Test
    void stateFileRollbackAndSupersede() throws Exception {
        Fixture f = new Fixture();
        Path p = dir.resolve("state.json");
        String gen1 = f.code("inst-0011", 1, f.now - 7200), gen2 = f.code("inst-0011", 2, f.now - 3600);
        Verifier.Builder b = Verifier.builder(f.keyring).product("OFFI001").clock(f.clock(f.now));
        assertEquals(null, reasonOf(b.state(State.open(p)).build(), gen2));
        String written = Files.readString(p);
        assertEquals("{\"format\":\"licentia-verifier-state/1\",\"seen\":" + f.now + ",\"min_gen\":{\"inst-0011\":2}}\n", written);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
        assertEquals(Reason.SUPERSEDED, reasonOf(b.state(State.open(p)).build(), gen1));
        // The clock set back by an hour (tolerance ten minutes): refused, and seen is never lowered.
        Verifier back = b.state(State.open(p)).clock(f.clock(f.now - 3600)).build();
        assertEquals(Reason.CLOCK_ROLLBACK, reasonOf(back, gen2));
        assertEquals(f.now, State.open(p).seen());
        assertEquals(null, reasonOf(b.state(State.open(p)).clock(f.clock(f.now - 300)).build(), gen2), "within tolerance");
    }

    @Test
    void unusableStateFilesAreRefusedAndLeftAlone() throws Exception {
        String[] bad = {"", "  \n", "{}", "[]", "{\"format\":\"other/1\",\"seen\":1,\"min_gen\":{}}",
            "{\"format\":\"licentia-verifier-state/1\",\"seen\":-1,\"min_gen\":{}}",
            "{\"format\":\"licentia-verifier-state/1\",\"seen\":1,\"min_gen\":{\"a\":0}}",
            "{\"format\":\"licentia-verifier-state/1\",\"seen\":1,\"min_gen\":{},\"extra\":1}",
            "{\"format\":\"licentia-verifier-state/1\",\"seen\":1.5,\"min_gen\":{}}",
            "{\"format\":\"licentia-verifier-state/1\",\"seen\":1,\"min_gen\":{}} {}"};
        for (String s : bad) {
            Path p = dir.resolve("bad.json");
            Files.writeString(p, s);
            VerifyException e = assertThrows(VerifyException.class, () -> State.open(p), s);
            assertEquals(Reason.STATE_ERROR, e.reason(), s);
            assertEquals(s, Files.readString(p));
        }
        Path ok = dir.resolve("ok.json");
        Files.writeString(ok, "{\"format\":\"licentia-verifier-state/1\",\"seen\":5,\"list_iat\":3,\"min_gen\":{\"a\":2}}");
        State s = State.open(ok);
        assertEquals(5, s.seen());
        assertEquals(3, s.listIssuedAt());
        assertEquals(2, s.minGeneration("a"));
        // A state file that cannot be written refuses the code.
        Fixture f = new Fixture();
        Path missingDir = dir.resolve("no/such/dir/state.json");
        Verifier v = Verifier.builder(f.keyring).product("OFFI001").clock(f.clock(f.now)).state(State.open(missingDir)).build();
        assertEquals(Reason.STATE_ERROR, reasonOf(v, f.code("inst-0012", 1, f.now)));
    }

    @Test
    void keyrings() throws Exception {
        Fixture f = new Fixture();
        String pem = (String) f.doc.get("public_key_pem");
        String otherPem = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n";
        Keyring two = Keyring.parse((otherPem + "\n" + pem).getBytes(StandardCharsets.UTF_8));
        assertEquals(2, two.keyIds().size());
        assertEquals(f.keyId, two.keyIds().get(1));
        String[] bad = {"", "no keys here", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" + pem,
            "{\"keys\":[]}", "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AAAA\"}]}",
            "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w\",\"d\":\"secret\"}]}",
            "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w\",\"kid\":\"0000000000000000\"}]}",
            "{\"keys\":{}}", "{\"keys\":[1]}", "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VxAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n"};
        for (String s : bad) {
            VerifyException e = assertThrows(VerifyException.class, () -> Keyring.parse(s.getBytes(StandardCharsets.UTF_8)), s);
            assertEquals(Reason.KEYRING_ERROR, e.reason(), s);
        }
        Keyring jwks = Keyring.parse(("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"x\"},{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"alg\":\"EdDSA\",\"use\":\"sig\","
                + "\"kid\":\"" + f.keyId + "\",\"x\":\"iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w\"}]}").getBytes(StandardCharsets.UTF_8));
        assertEquals(java.util.List.of(f.keyId), jwks.keyIds());
    }

    @Test
    void strictBase64() {
        assertArrayEquals(new byte[] {(byte) 0xfb, (byte) 0xff}, Jws.b64("-_8"));
        for (String bad : new String[] {"-_9", "+/8", "-_8=", "A", "AA AA", "AB", "AAA\u00e9"}) {
            if (Jws.b64(bad) != null) fail("b64(" + bad + ") accepted");
        }
    }

    @Test
    void jsonReadsWhatGoReads() throws Exception {
        Json.Obj o = (Json.Obj) Json.parse("{\"a\":\"x\",\"A\":\"b\",\"a\":null,\"n\":1}".getBytes(StandardCharsets.UTF_8));
        assertEquals("b", o.field("a", String.class), "folded names, a later member wins, null changes nothing");
        assertThrows(Json.SyntaxException.class, () -> o.field("n", String.class));
        assertTrue(Json.Obj.folds("\u017fub", "sub") && Json.Obj.folds("\u212aid", "kid") && !Json.Obj.folds("subx", "sub"));
        assertEquals("\uFFFD", Json.parse("\"\\ud800\"".getBytes(StandardCharsets.UTF_8)));
        assertEquals("\uD83D\uDE00", Json.parse("\"\\ud83d\\ude00\"".getBytes(StandardCharsets.UTF_8)));
        assertEquals(null, new Json.Num("1.0").asLong());
        assertEquals(null, new Json.Num("1e3").asLong());
        assertEquals(null, new Json.Num("9223372036854775808").asLong());
        assertEquals(Long.valueOf(-0), new Json.Num("-0").asLong());
        for (String bad : new String[] {"", "{", "{\"a\":}", "01", "[1,]", "{\"a\" 1}", "\"\u0001\"", "tru", "1 2", "\"\\x\"", "-", "1.", "1e"}) {
            assertThrows(Json.SyntaxException.class, () -> Json.parse(bad.getBytes(StandardCharsets.UTF_8)), bad);
        }
        assertThrows(Json.SyntaxException.class, () -> Json.parse("[".repeat(100000).getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void claimsDecodeAsGoDecodesThem() throws Exception {
        Fixture f = new Fixture();
        Verifier v = Verifier.builder(f.keyring).product("OFFI001").clock(f.clock(f.now)).build();
        String base = "\"iss\":\"licentia\",\"gen\":1,\"iat\":1,\"nbf\":1,\"st\":\"active\",\"pid\":\"OFFI001\",\"ord\":\"o\"";
        assertEquals("x", v.verify(f.code("{" + base + ",\"SUB\":\"x\"}")).licenseId(), "a folded name");
        assertEquals("y", v.verify(f.code("{" + base + ",\"sub\":\"x\",\"sub\":\"y\"}")).licenseId(), "the later member");
        assertEquals("x", v.verify(f.code("{" + base + ",\"sub\":\"x\",\"sub\":null}")).licenseId(), "null changes nothing");
        assertEquals(Reason.MALFORMED, reasonOf(v, f.code("{" + base + ",\"sub\":1,\"sub\":\"x\"}")), "a type error, though overridden");
        assertEquals(Reason.MALFORMED, reasonOf(v, f.code("{" + base + ",\"sub\":\"x\",\"qty\":1.0}")), "an integer with a fraction");
        assertEquals(Reason.MALFORMED, reasonOf(v, f.code("{" + base + ",\"sub\":\"x\",\"exp\":-1}")), "a negative exp");
        assertEquals(Reason.MALFORMED, reasonOf(v, f.code("{" + base + ",\"sub\":\"x\"} x")), "trailing data");
        assertEquals(null, reasonOf(v, f.code("{" + base + ",\"sub\":\"x\",\"future\":[1.5e3,{\"a\":null}]}")), "unknown claims are ignored");
        String header = "{\"alg\":\"EdDSA\",\"kid\":\"" + f.keyId + "\",\"typ\":\"licentia+jwt\"";
        String claims = "{" + base + ",\"sub\":\"x\"}";
        assertEquals(Reason.MALFORMED, reasonOf(v, f.sign(header + ",\"CRIT\":null}", claims)), "crit, folded, even null");
        assertEquals(Reason.MALFORMED, reasonOf(v, f.sign(header + ",\"kid\":7}", claims)), "a kid that is not a string");
        assertEquals(null, reasonOf(v, f.sign("{\"ALG\":\"EdDSA\",\"Kid\":\"" + f.keyId + "\",\"TYP\":\"licentia+jwt\"}", claims)), "folded header names");
    }

    @Test
    void mutatedCodesFailCleanly() throws Exception {
        Fixture f = new Fixture();
        Verifier v = f.builder().build();
        String valid = (String) f.vector("valid").get("code");
        Random rnd = new Random(1);
        String alphabet = "A-_.=+/ \n{}\"é\u0000";
        for (int k = 0; k < 1500; k++) {
            StringBuilder b = new StringBuilder(valid);
            for (int m = 1 + rnd.nextInt(3); m > 0; m--) {
                int at = rnd.nextInt(b.length());
                switch (rnd.nextInt(3)) {
                    case 0 -> b.setCharAt(at, alphabet.charAt(rnd.nextInt(alphabet.length())));
                    case 1 -> b.deleteCharAt(at);
                    default -> b.insert(at, alphabet.charAt(rnd.nextInt(alphabet.length())));
                }
            }
            String code = b.toString();
            if (code.strip().replace("\n", "").equals(valid)) continue;
            try {
                v.check(code);
                fail("a mutated code was accepted");
            } catch (VerifyException e) {
                // expected: any reason, never another exception
            }
        }
        assertEquals(Reason.MALFORMED, reasonOf(v, "a".repeat(70000)));
        assertEquals(Reason.MALFORMED, reasonOf(v, "a.b." + "c".repeat(9000)));
    }
}
