package io.github.licentia.verify;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * The online calls of a verifier: {@code POST /v1/codes/refresh}, {@code POST /v1/activations} and
 * {@code GET /v1/revocations} of a licentia server. Nothing fetched is trusted as fetched: check a code
 * with {@link Verifier#check}, and a list is verified with the local key ring. A {@link Deployment} given
 * to {@link #refresh(String, Deployment)} or {@link #activate(String, Deployment)} names this installation
 * in the request, in the object form {@code {"id": ..., "components": {...}}}; it is valid by construction
 * ({@link Deployment#of} and {@link Deployment#parse} refuse one out of bounds), so an invalid one is never
 * sent. Safe for concurrent use.
 */
public final class Client {
    /** The largest answer read: the longest answer of GET /v1/revocations a verifier reads. */
    static final int MAX_ANSWER = RevocationList.MAX_LIST_SIZE;
    /** The largest error answer read. */
    static final int MAX_ERROR_ANSWER = 64 << 10;

    private final String base;
    private final Duration timeout;
    private final HttpClient http;

    /** Returns a client of the server at baseUrl (https://, or http:// for a test server), with a 10 s timeout. */
    public Client(String baseUrl) {
        this(baseUrl, Duration.ofSeconds(10));
    }

    /** Returns a client of the server at baseUrl whose every call ends within timeout. */
    public Client(String baseUrl, Duration timeout) {
        String b = Objects.requireNonNull(baseUrl, "baseUrl");
        while (b.endsWith("/")) b = b.substring(0, b.length() - 1);
        URI u = URI.create(b);
        if (!"https".equals(u.getScheme()) && !"http".equals(u.getScheme())) {
            throw new IllegalArgumentException("baseUrl must be an http:// or https:// URL");
        }
        this.base = b;
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** The answer of an activation or a refresh. Check {@link #code()} with {@link Verifier#check}. */
    public record CodeResponse(String code, String licenseId, long generation, String status, String expiresAt) {}

    /** A fetched revocation list, verified, and its bytes or revocation document (to keep in a file). */
    public record Revocations(RevocationList list, byte[] data) {}

    /** The server could not be reached or refused the request: check the code already held, offline. */
    public static class OnlineException extends Exception {
        private static final long serialVersionUID = 1L;

        OnlineException(String message) {
            super(message);
        }
    }

    /** The server answered with an error: its HTTP status, stable error code and message. */
    public static final class ServerException extends OnlineException {
        private static final long serialVersionUID = 1L;
        private final int status;
        private final String code, serverMessage;

        ServerException(String path, int status, String code, String serverMessage) {
            super(code.isEmpty() ? path + ": HTTP " + status : path + ": " + serverMessage + " (" + code + ")");
            this.status = status;
            this.code = code;
            this.serverMessage = serverMessage;
        }

        /** Returns the HTTP status. */
        public int status() {
            return status;
        }

        /** Returns the server's error code (such as {@code seats_exhausted}), or "" when it gave none. */
        public String code() {
            return code;
        }

        /** Returns the server's message, or "". */
        public String serverMessage() {
            return serverMessage;
        }
    }

    /**
     * An answer larger than the largest list a verifier accepts: never read in part, and not an
     * {@link OnlineException}, so it is never taken for "not fetched".
     */
    public static final class TooLargeException extends Exception {
        private static final long serialVersionUID = 1L;

        TooLargeException(String message) {
            super(message);
        }
    }

    /** Trades any genuine code of a license for its current code (after a renewal or a reissue). */
    public String refresh(String code) throws OnlineException, TooLargeException {
        return refresh(code, null);
    }

    /**
     * Trades any genuine code of a license for its current code; with a deployment (null: none), the
     * request names this installation and the answer is bound to it. Check it with a {@link Verifier}
     * built with the same deployment.
     */
    public String refresh(String code, Deployment deployment) throws OnlineException, TooLargeException {
        return postCode("/v1/codes/refresh", body(code, deployment)).code();
    }

    /** Exchanges a KooGallery License 2.0 code for licentia's offline code ({@code POST /v1/activations}). */
    public CodeResponse activate(String marketCode) throws OnlineException, TooLargeException {
        return activate(marketCode, null);
    }

    /** Exchanges a KooGallery License 2.0 code for licentia's offline code, naming the deployment as refresh does. */
    public CodeResponse activate(String marketCode, Deployment deployment) throws OnlineException, TooLargeException {
        return postCode("/v1/activations", body(marketCode, deployment));
    }

    /**
     * Fetches the signed revocation list and verifies it with keyring. A list that does not verify throws
     * the {@link VerifyException} of {@link RevocationList#parse}.
     */
    public Revocations revocations(Keyring keyring) throws OnlineException, TooLargeException, VerifyException {
        byte[] data = send("/v1/revocations", HttpRequest.newBuilder().GET());
        return new Revocations(RevocationList.parse(keyring, data), data);
    }

    /**
     * Brings the revocation document {@code doc} (one an earlier call returned, kept in a file say; null or
     * empty for none) up to date and returns the list it amounts to and the new document, to keep for the
     * next call and for offline checks ({@link RevocationList#parse} reads it). With a readable document it
     * asks {@code GET /v1/revocations?since=<the document's iat>} and appends the answer
     * ({@link RevocationList#append}); it fetches the whole list instead when there is no readable document,
     * when the delta does not append (a gap, a bad signature) and when the document is due for compaction
     * ({@link RevocationList#compactDue}). So a poller downloads the changes, and a document stays below
     * about twice the whole list.
     *
     * @throws VerifyException with {@link Reason#STALE_LIST} when the answer is older than doc's list (a
     *     server replica that lags): keep doc and use its list; with the reasons of
     *     {@link RevocationList#parse} when the server's whole list is not genuine
     * @throws OnlineException keep doc, check offline
     */
    public Revocations updateRevocations(Keyring keyring, byte[] doc) throws OnlineException, TooLargeException, VerifyException {
        RevocationList held = null;
        if (doc != null && doc.length > 0) {
            try {
                held = RevocationList.parse(keyring, doc);
            } catch (VerifyException e) {
                // no readable document: fetch the whole list
            }
        }
        if (held != null) {
            byte[] data = send("/v1/revocations?since=" + held.issuedAt(), HttpRequest.newBuilder().GET());
            try {
                RevocationList.Appended a = RevocationList.append(keyring, doc, data);
                if (!RevocationList.compactDue(a.document())) return new Revocations(a.list(), a.document());
            } catch (VerifyException e) {
                if (e.reason() == Reason.STALE_LIST) throw e;
            }
        }
        RevocationList.Appended a = RevocationList.append(keyring, doc, send("/v1/revocations", HttpRequest.newBuilder().GET()));
        return new Revocations(a.list(), a.document());
    }

    /** Returns the JSON body of a refresh or an activation: the code, trimmed, and the deployment's object form. */
    static String body(String code, Deployment deployment) {
        StringBuilder b = new StringBuilder("{\"code\":");
        Json.quote(b, Objects.requireNonNull(code, "code").strip());
        if (deployment != null) b.append(",\"deployment\":").append(deployment.toJson());
        return b.append('}').toString();
    }

    private CodeResponse postCode(String path, String body) throws OnlineException, TooLargeException {
        byte[] data = send(path, HttpRequest.newBuilder().header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
        Json.Obj ans;
        String code, licenseId, status, expires;
        Object gen;
        try {
            ans = Json.parse(data) instanceof Json.Obj o ? o : null;
            if (ans == null) throw new Json.SyntaxException("not an object");
            code = ans.field("code", String.class);
            licenseId = ans.field("license_id", String.class);
            status = ans.field("status", String.class);
            expires = ans.field("expires_at", String.class);
            gen = ans.field("generation", Json.Num.class);
        } catch (Json.SyntaxException e) {
            throw new OnlineException(path + ": the answer is not a code answer: " + e.getMessage());
        }
        if (code == null || code.isEmpty()) throw new OnlineException(path + ": the answer carries no code");
        Long g = gen instanceof Json.Num n ? n.asLong() : null;
        return new CodeResponse(code, printable(licenseId, 128), g == null ? 0 : g, printable(status, 32), expires);
    }

    private byte[] send(String path, HttpRequest.Builder req) throws OnlineException, TooLargeException {
        HttpResponse<InputStream> resp;
        try {
            resp = http.send(req.uri(URI.create(base + path)).timeout(timeout).build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new OnlineException(path + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OnlineException(path + ": interrupted");
        }
        int limit = resp.statusCode() == 200 ? MAX_ANSWER : MAX_ERROR_ANSWER;
        byte[] data;
        try (InputStream in = resp.body()) {
            long length = resp.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (resp.statusCode() == 200 && length > limit) {
                throw new TooLargeException(path + ": " + length + " bytes, more than " + limit);
            }
            data = in.readNBytes(limit + 1);
        } catch (IOException e) {
            throw new OnlineException(path + ": " + e);
        }
        if (data.length > limit && resp.statusCode() == 200) {
            throw new TooLargeException(path + ": more than " + limit + " bytes");
        }
        if (resp.statusCode() != 200) {
            String code = "", message = "";
            try {
                Json.Obj e = Json.parse(data) instanceof Json.Obj o ? o.field("error", Json.Obj.class) : null;
                if (e != null) {
                    code = printable(e.field("code", String.class), 64);
                    message = printable(e.field("message", String.class), 300);
                }
            } catch (Json.SyntaxException | RuntimeException e) {
                // no error body: the status says it
            }
            throw new ServerException(path, resp.statusCode(), code, message);
        }
        return data;
    }

    /** Returns s cut to n characters with control and format characters replaced, or "" for null. */
    private static String printable(String s, int n) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(n).forEach(c -> {
            int t = Character.getType(c);
            boolean bad = t == Character.CONTROL || t == Character.FORMAT || t == Character.SURROGATE
                    || t == Character.PRIVATE_USE || t == Character.UNASSIGNED;
            b.appendCodePoint(bad ? '?' : c);
        });
        return b.toString();
    }
}
