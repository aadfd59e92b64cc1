package io.github.licentia.verify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Revocation documents (a whole list, then deltas): every vector of
 * verifier/testdata/revocation_delta_vectors.json, the compaction rule, and {@link Client#updateRevocations}
 * against a local HTTP server that answers as licentia does.
 */
class RevocationDeltaTest {
    private static final Map<String, Reason> ERRORS = Map.of("ErrMalformed", Reason.MALFORMED, "ErrWrongType", Reason.WRONG_TYPE,
            "ErrAlgorithm", Reason.WRONG_ALGORITHM, "ErrUnknownKey", Reason.UNKNOWN_KEY, "ErrSignature", Reason.BAD_SIGNATURE,
            "ErrStaleList", Reason.STALE_LIST);

    private final Map<String, Object> doc;
    private final Keyring kr;
    private final Map<String, Map<String, Object>> docs = new LinkedHashMap<>();
    private final Map<String, Map<String, Object>> appends = new LinkedHashMap<>();
    private HttpServer srv;

    /** The system property licentia.revocation_delta_vectors, or revocation_delta_vectors.json next to the golden vectors. */
    @SuppressWarnings("unchecked")
    RevocationDeltaTest() throws Exception {
        String path = System.getProperty("licentia.revocation_delta_vectors");
        if (path == null) {
            path = Path.of(System.getProperty("licentia.vectors", "../../verifier/testdata/vectors.json"))
                    .resolveSibling("revocation_delta_vectors.json").toString();
        }
        doc = (Map<String, Object>) Fixture.plain(Json.parse(Files.readAllBytes(Path.of(path))));
        kr = Keyring.parse(((String) doc.get("public_key_pem")).getBytes(StandardCharsets.UTF_8));
        for (Object v : (List<Object>) doc.get("documents")) docs.put((String) ((Map<?, ?>) v).get("name"), (Map<String, Object>) v);
        for (Object v : (List<Object>) doc.get("appends")) appends.put((String) ((Map<?, ?>) v).get("name"), (Map<String, Object>) v);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Map<String, Object> v) {
        String out = (String) v.get("document");
        if (v.get("repeat") instanceof Map<?, ?> r) out += (r.get("line") + "\n").repeat(((Json.Num) r.get("times")).asLong().intValue());
        return out;
    }

    private static void checkList(Map<?, ?> want, RevocationList l) {
        assertEquals(((Json.Num) want.get("iat")).asLong(), l.issuedAt(), "iat");
        Map<String, Long> m = new LinkedHashMap<>();
        if (want.get("min_gen") instanceof Map<?, ?> g) g.forEach((k, n) -> m.put((String) k, ((Json.Num) n).asLong()));
        assertEquals(m, l.minGenerations());
    }

    private interface Call<T> {
        T run() throws Exception;
    }

    private static <T> T outcome(Map<?, ?> want, Call<T> call) throws Exception {
        if (Boolean.TRUE.equals(want.get("valid"))) return call.run();
        VerifyException e = assertThrows(VerifyException.class, call::run);
        assertEquals(want.get("reason"), e.reason().wireName(), e.getMessage());
        assertEquals(ERRORS.get((String) want.get("error")), e.reason());
        return null;
    }

    @TestFactory
    List<DynamicTest> documents() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> v : docs.values()) {
            tests.add(DynamicTest.dynamicTest((String) v.get("name"), () -> {
                Map<?, ?> want = (Map<?, ?>) v.get("want");
                RevocationList l = outcome(want, () -> RevocationList.parse(kr, utf8(text(v))));
                if (l != null) checkList(want, l);
            }));
        }
        assertTrue(tests.size() >= 29, "documents: got " + tests.size() + ", want the whole file");
        assertEquals(RevocationList.MAX_DELTAS, ((Json.Num) doc.get("max_deltas")).asLong());
        return tests;
    }

    @TestFactory
    List<DynamicTest> appends() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map<String, Object> a : appends.values()) {
            tests.add(DynamicTest.dynamicTest("append/" + a.get("name"), () -> {
                Map<?, ?> want = (Map<?, ?>) a.get("want");
                RevocationList.Appended got = outcome(want, () -> RevocationList.append(kr, utf8((String) a.get("document")), utf8((String) a.get("body"))));
                if (got == null) return;
                assertEquals(a.get("want_document"), new String(got.document(), StandardCharsets.UTF_8));
                checkList(want, got.list());
                checkList(want, RevocationList.parse(kr, got.document()));
            }));
        }
        assertTrue(tests.size() >= 9, "appends: got " + tests.size() + ", want the whole file");
        return tests;
    }

    @Test
    void anErrorNamesTheDelta() {
        VerifyException e = assertThrows(VerifyException.class, () -> RevocationList.parse(kr, utf8(text(docs.get("delta_bad_signature")))));
        assertEquals(Reason.BAD_SIGNATURE, e.reason());
        assertTrue(e.getMessage().contains("delta 2"), e.getMessage());
    }

    @Test
    void compactionRule() {
        // The rule reads lines without verifying them: a first line of 1000 bytes and shorter deltas.
        String first = "L".repeat(1000) + "\n";
        assertTrue(RevocationList.compactDue(null));
        assertTrue(RevocationList.compactDue(utf8(" \n\r\n")));
        assertFalse(RevocationList.compactDue(utf8(first)));
        assertFalse(RevocationList.compactDue(utf8(first + "d".repeat(500) + "\n \t" + "d".repeat(500) + "\r\n")));
        assertTrue(RevocationList.compactDue(utf8(first + "d".repeat(500) + "\n" + "d".repeat(501) + "\n")));
        String shortDoc = "L".repeat(5000) + "\n" + "x\n".repeat(RevocationList.MAX_DELTAS - 1);
        assertFalse(RevocationList.compactDue(utf8(shortDoc)));
        assertTrue(RevocationList.compactDue(utf8(shortDoc + "x\n")));
        assertFalse(RevocationList.compactDue(utf8(text(docs.get("list_alone")))));
        assertTrue(RevocationList.compactDue(utf8(text(docs.get("max_deltas")))));
    }

    @Test
    void bounds() {
        String list = ((String) docs.get("list_alone").get("document")).strip();
        for (Call<?> c : List.<Call<?>>of(
                () -> RevocationList.parse(kr, utf8(list + " ".repeat(RevocationList.MAX_DOCUMENT_SIZE))),
                () -> RevocationList.append(kr, null, utf8(list + " ".repeat(RevocationList.MAX_LIST_SIZE))),
                () -> RevocationList.append(kr, null, utf8(list + "\n" + list)),
                () -> RevocationList.append(kr, null, new byte[0]))) {
            assertEquals(Reason.MALFORMED, assertThrows(VerifyException.class, c::run).reason());
        }
    }

    // The local server: answers GET /v1/revocations[?since=] with answer(path), recording each path asked.
    private final List<String> paths = Collections.synchronizedList(new ArrayList<>());
    private volatile Function<String, String> answer;

    private Client serve(Function<String, String> a) throws IOException {
        answer = a;
        srv = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        srv.createContext("/", ex -> {
            paths.add(ex.getRequestURI().toString());
            byte[] out = utf8(answer.apply(ex.getRequestURI().toString()));
            ex.sendResponseHeaders(200, out.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(out);
            }
        });
        srv.start();
        return new Client("http://127.0.0.1:" + srv.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        if (srv != null) srv.stop(0);
    }

    private String[] chain() {
        return ((String) docs.get("valid_chain").get("document")).split("\n");
    }

    private long iat() {
        return ((Json.Num) ((Map<?, ?>) docs.get("list_alone").get("want")).get("iat")).asLong();
    }

    private String newer() {
        return (String) appends.get("list_replaces").get("body");
    }

    @Test
    void updateWithoutADocumentFetchesTheWholeList() throws Exception {
        String l = chain()[0];
        Client.Revocations r = serve(p -> l).updateRevocations(kr, null);
        assertEquals(List.of("/v1/revocations"), paths);
        assertEquals(l + "\n", new String(r.data(), StandardCharsets.UTF_8));
        assertEquals(iat(), r.list().issuedAt());
    }

    @Test
    void updateAppendsADeltaAndAsksSinceItsIat() throws Exception {
        String[] c = chain();
        Client client = serve(p -> p.contains("since") ? c[1] : newer());
        Client.Revocations r = client.updateRevocations(kr, utf8(c[0] + "\n"));
        assertEquals(List.of("/v1/revocations?since=" + iat()), paths);
        assertEquals(c[0] + "\n" + c[1] + "\n", new String(r.data(), StandardCharsets.UTF_8));
        assertEquals(2, r.list().minGeneration("inst-0005"));
        answer = p -> c[2];
        r = client.updateRevocations(kr, r.data());
        assertEquals("/v1/revocations?since=" + (iat() + 60), paths.get(1));
        checkList((Map<?, ?>) docs.get("valid_chain").get("want"), r.list());
    }

    @Test
    void updateAfterAGapFetchesTheWholeList() throws Exception {
        String[] c = chain();
        Client.Revocations r = serve(p -> p.contains("since") ? c[2] : newer()).updateRevocations(kr, utf8(c[0]));
        assertEquals(List.of("/v1/revocations?since=" + iat(), "/v1/revocations"), paths);
        assertEquals(newer() + "\n", new String(r.data(), StandardCharsets.UTF_8));
        assertEquals(Map.of("inst-0009", 2L), r.list().minGenerations());
    }

    @Test
    void updateTakesAWholeListAnsweredToSince() throws Exception {
        String[] c = chain();
        Client.Revocations r = serve(p -> newer()).updateRevocations(kr, utf8(c[0] + "\n" + c[1] + "\n"));
        assertEquals(List.of("/v1/revocations?since=" + (iat() + 60)), paths);
        assertEquals(newer() + "\n", new String(r.data(), StandardCharsets.UTF_8));
    }

    @Test
    void updateOfAnUnreadableDocumentFetchesTheWholeList() throws Exception {
        String l = chain()[0];
        Client.Revocations r = serve(p -> l).updateRevocations(kr, utf8("not a document\n"));
        assertEquals(List.of("/v1/revocations"), paths);
        assertArrayEquals(utf8(l + "\n"), r.data());
    }

    @Test
    void updateCompactsWhenTheDeltaMakesTheDocumentDue() throws Exception {
        Fixture f = new Fixture();
        StringBuilder gens = new StringBuilder("{");
        for (int k = 0; k < 100; k++) gens.append(k == 0 ? "" : ",").append(String.format("\"inst-%04d\":2", k));
        String big = f.sign("{\"alg\":\"EdDSA\",\"kid\":\"" + f.keyId + "\",\"typ\":\"licentia-revocations-delta+jwt\"}",
                "{\"iat\":" + (iat() + 60) + ",\"since\":" + iat() + ",\"min_gen\":" + gens.append('}') + ",\"removed\":[]}");
        String l = chain()[0];
        assertTrue(RevocationList.compactDue(RevocationList.append(kr, utf8(l), utf8(big)).document()));
        Client.Revocations r = serve(p -> p.contains("since") ? big : newer()).updateRevocations(kr, utf8(l));
        assertEquals(List.of("/v1/revocations?since=" + iat(), "/v1/revocations"), paths);
        assertEquals(newer() + "\n", new String(r.data(), StandardCharsets.UTF_8));
    }

    @Test
    void updateWithAnOlderAnswerIsAStaleList() throws Exception {
        String older = (String) appends.get("older_list").get("body");
        Client client = serve(p -> older);
        VerifyException e = assertThrows(VerifyException.class, () -> client.updateRevocations(kr, utf8(chain()[0] + "\n")));
        assertEquals(Reason.STALE_LIST, e.reason());
        assertEquals(List.of("/v1/revocations?since=" + iat()), paths);
    }

    @Test
    void updateAgainstAnUnreachableServer() {
        Client.OnlineException e = assertThrows(Client.OnlineException.class,
                () -> new Client("http://127.0.0.1:9").updateRevocations(kr, utf8(chain()[0])));
        assertFalse(e instanceof Client.ServerException);
    }
}
