package io.github.licentia.verify;

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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The online client against a local HTTP server: the bodies it sends (the deployment in its object form,
 * none without one), the answers it reads, the server's refusals, an unreachable server and an answer
 * too large.
 */
class ClientTest {
    private HttpServer srv;
    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    private volatile int status = 200;
    private volatile String answer = "{\"code\":\"c\",\"license_id\":\"i\",\"generation\":3,\"status\":\"active\",\"expires_at\":null}";

    @BeforeEach
    void start() throws IOException {
        srv = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        srv.createContext("/", ex -> {
            byte[] in = ex.getRequestBody().readAllBytes();
            requests.add(ex.getRequestMethod() + " " + ex.getRequestURI() + " " + new String(in, StandardCharsets.UTF_8));
            String a = answer;
            if (a == null) { // an endless answer, chunked: more than the client reads
                ex.sendResponseHeaders(status, 0);
                byte[] chunk = new byte[64 << 10];
                try (OutputStream os = ex.getResponseBody()) {
                    for (long n = 0; n <= Client.MAX_ANSWER; n += chunk.length) os.write(chunk);
                } catch (IOException closed) {
                    // the client stopped reading
                }
                return;
            }
            byte[] out = a.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, out.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(out);
            }
        });
        srv.start();
    }

    @AfterEach
    void stop() {
        srv.stop(0);
    }

    private Client client() {
        return new Client("http://127.0.0.1:" + srv.getAddress().getPort() + "/");
    }

    @Test
    void sendsTheDeploymentInItsObjectForm() throws Exception {
        Client c = client();
        Deployment vm1 = Deployment.of("vm-1", Map.of("mac", List.of("52:54:00:00:00:01"), "disk", List.of("d1", "d2")));
        Client.CodeResponse r = c.activate(" KG-1\n", vm1);
        assertEquals(new Client.CodeResponse("c", "i", 3, "active", null), r);
        assertEquals("c", c.refresh("old", Deployment.of("vm-2")));
        assertEquals("c", c.refresh("old"));
        c.activate("KG-2");
        assertEquals(List.of(
                "POST /v1/activations {\"code\":\"KG-1\",\"deployment\":{\"id\":\"vm-1\",\"components\":{\"disk\":[\"d1\",\"d2\"],\"mac\":[\"52:54:00:00:00:01\"]}}}",
                "POST /v1/codes/refresh {\"code\":\"old\",\"deployment\":{\"id\":\"vm-2\"}}",
                "POST /v1/codes/refresh {\"code\":\"old\"}",
                "POST /v1/activations {\"code\":\"KG-2\"}"), requests);
    }

    @Test
    void anInvalidDeploymentCannotBeMadeSoIsNeverSent() {
        for (String id : new String[] {"", " ", "x".repeat(Deployment.MAX_ID_LEN + 1), "vm\u0001"}) {
            VerifyException e = assertThrows(VerifyException.class, () -> Deployment.of(id));
            assertEquals(Reason.DEPLOYMENT_ERROR, e.reason());
        }
        VerifyException e = assertThrows(VerifyException.class, () -> Deployment.of("vm", Map.of("Bad-Name", List.of("v"))));
        assertEquals(Reason.DEPLOYMENT_ERROR, e.reason());
        assertTrue(requests.isEmpty());
    }

    @Test
    void refusals() {
        status = 409;
        answer = "{\"error\":{\"code\":\"seats_exhausted\",\"message\":\"every seat of this license is taken (1 of 1)\",\"seats\":{\"limit\":1,\"used\":1}}}";
        Client.ServerException e = assertThrows(Client.ServerException.class, () -> client().refresh("old", Deployment.of("vm-3")));
        assertEquals(409, e.status());
        assertEquals("seats_exhausted", e.code());
        assertEquals("every seat of this license is taken (1 of 1)", e.serverMessage());

        status = 502;
        answer = "<html>bad gateway</html>";
        e = assertThrows(Client.ServerException.class, () -> client().activate("KG-1"));
        assertEquals(502, e.status());
        assertEquals("", e.code());

        status = 200;
        answer = "{\"license_id\":\"i\"}";
        Client.OnlineException o = assertThrows(Client.OnlineException.class, () -> client().refresh("old"));
        assertFalse(o instanceof Client.ServerException);
    }

    @Test
    void anUnreachableServer() {
        Client.OnlineException e = assertThrows(Client.OnlineException.class, () -> new Client("http://127.0.0.1:9").refresh("old"));
        assertFalse(e instanceof Client.ServerException);
    }

    @Test
    void anAnswerTooLarge() {
        answer = null;
        assertThrows(Client.TooLargeException.class, () -> client().refresh("old"));
    }
}
