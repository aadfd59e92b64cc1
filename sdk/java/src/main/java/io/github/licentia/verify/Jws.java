package io.github.licentia.verify;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;

/** The compact JWS form shared by codes and revocation lists (verifier/doc.go, "Code" and "Header"). */
final class Jws {
    static final String ALG_EDDSA = "EdDSA";
    static final String ALG_ED25519 = "Ed25519";
    static final String TYPE_CODE = "licentia+jwt";
    static final String TYPE_REVOCATIONS = "licentia-revocations+jwt";
    static final String TYPE_REVOCATIONS_DELTA = "licentia-revocations-delta+jwt";

    static final int MAX_CODE = 8 << 10;
    static final int MAX_PASTED = 64 << 10;
    static final int MAX_LIST = 32 << 20;
    static final int MAX_HEADER = 512;
    static final int SIGNATURE_CHARS = 86;

    private static final byte[] DECODE = new byte[128];

    static {
        java.util.Arrays.fill(DECODE, (byte) -1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for (int k = 0; k < 64; k++) DECODE[alphabet.charAt(k)] = (byte) k;
    }

    /** A checked document: its kid and decoded payload. */
    record Opened(String kid, byte[] payload) {}

    private Jws() {}

    /**
     * Decodes b[off, off+len) as strict base64url: URL-safe alphabet, no padding, zero unused trailing
     * bits. Returns null when it is not canonical.
     */
    static byte[] b64(byte[] b, int off, int len) {
        if (len % 4 == 1) return null;
        byte[] out = new byte[len * 3 / 4];
        int acc = 0, bits = 0, n = 0;
        for (int k = off; k < off + len; k++) {
            int c = b[k] & 0xff;
            int d = c < 128 ? DECODE[c] : -1;
            if (d < 0) return null;
            acc = acc << 6 | d;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                out[n++] = (byte) (acc >> bits);
                acc &= (1 << bits) - 1;
            }
        }
        return acc == 0 ? out : null;
    }

    static byte[] b64(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return b64(b, 0, b.length);
    }

    private static boolean isSpace(byte c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x0b || c == '\f';
    }

    /** Removes white space around b and line breaks (CR, LF) inside it, as left by pasting. */
    static byte[] clean(byte[] b) {
        int i = 0, j = b.length;
        while (i < j && isSpace(b[i])) i++;
        while (j > i && isSpace(b[j - 1])) j--;
        byte[] out = new byte[j - i];
        int n = 0;
        for (int k = i; k < j; k++) {
            if (b[k] != '\r' && b[k] != '\n') out[n++] = b[k];
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    /**
     * Checks the cleaned compact JWS raw up to and including its signature (steps 1 to 3) and returns the
     * key id and decoded payload. The payload is decoded only after the signature verified.
     */
    static Opened open(Keyring kr, byte[] raw, String wantTyp, int maxLen) throws VerifyException {
        if (raw.length == 0) throw new VerifyException(Reason.MALFORMED, "empty");
        if (raw.length > maxLen) throw new VerifyException(Reason.MALFORMED, "longer than " + maxLen + " bytes");
        int i = indexOf(raw, 0), j = lastIndexOf(raw);
        if (i < 0 || i == j || indexOf(raw, i + 1) != j) {
            throw new VerifyException(Reason.MALFORMED, "want three dot-separated parts");
        }
        int hLen = i, pLen = j - i - 1, sLen = raw.length - j - 1;
        if (hLen == 0 || hLen > MAX_HEADER || pLen == 0) {
            throw new VerifyException(Reason.MALFORMED, "header or payload part empty or too long");
        }
        Header hdr = header(raw, hLen);
        String kid = hdr.kid();
        if (!wantTyp.equals(hdr.typ())) {
            throw new VerifyException(Reason.WRONG_TYPE, "typ, want \"" + wantTyp + "\"", kid, null);
        }
        PublicKey pub = kr.key(kid);
        if (pub == null) throw new VerifyException(Reason.UNKNOWN_KEY, "kid \"" + kid + "\"", kid, null);
        if (sLen != SIGNATURE_CHARS) {
            throw new VerifyException(Reason.MALFORMED, "signature part of " + sLen + " characters, want " + SIGNATURE_CHARS, kid, null);
        }
        byte[] sig = b64(raw, j + 1, sLen);
        if (sig == null || sig.length != 64) {
            throw new VerifyException(Reason.MALFORMED, "signature is not canonical base64url", kid, null);
        }
        try {
            Signature v = Signature.getInstance("Ed25519");
            v.initVerify(pub);
            v.update(raw, 0, j);
            if (!v.verify(sig)) throw new VerifyException(Reason.BAD_SIGNATURE, null, kid, null);
        } catch (GeneralSecurityException e) {
            throw new VerifyException(Reason.BAD_SIGNATURE, null, kid, null);
        }
        byte[] payload = b64(raw, i + 1, pLen);
        if (payload == null) throw new VerifyException(Reason.MALFORMED, "payload is not canonical base64url", kid, null);
        return new Opened(kid, payload);
    }

    /** Returns the typ of the trimmed compact JWS raw, its shape checked and its header decoded, nothing verified. */
    static String typ(byte[] raw) throws VerifyException {
        if (raw.length == 0) throw new VerifyException(Reason.MALFORMED, "empty");
        if (raw.length > MAX_LIST) throw new VerifyException(Reason.MALFORMED, "longer than " + MAX_LIST + " bytes");
        int i = indexOf(raw, 0), j = lastIndexOf(raw);
        if (i < 0 || i == j || indexOf(raw, i + 1) != j) throw new VerifyException(Reason.MALFORMED, "want three dot-separated parts");
        if (i == 0 || i > MAX_HEADER || j == i + 1) throw new VerifyException(Reason.MALFORMED, "header or payload part empty or too long");
        byte[] h = b64(raw, 0, i);
        if (h == null) throw new VerifyException(Reason.MALFORMED, "header is not canonical base64url");
        try {
            if (!(Json.parse(h) instanceof Json.Obj o)) throw new Json.SyntaxException("not an object");
            o.field("alg", String.class);
            o.field("kid", String.class);
            return orEmpty(o.field("typ", String.class));
        } catch (Json.SyntaxException e) {
            throw new VerifyException(Reason.MALFORMED, "header is not a JSON object");
        }
    }

    /** The header members a verifier reads. */
    record Header(String alg, String kid, String typ) {}

    /** Decodes and checks the header part: a JSON object, no "crit", string members, alg EdDSA or Ed25519. */
    private static Header header(byte[] raw, int hLen) throws VerifyException {
        byte[] h = b64(raw, 0, hLen);
        if (h == null) throw new VerifyException(Reason.MALFORMED, "header is not canonical base64url");
        Header hdr;
        boolean crit;
        try {
            if (!(Json.parse(h) instanceof Json.Obj o)) throw new Json.SyntaxException("not an object");
            hdr = new Header(orEmpty(o.field("alg", String.class)), orEmpty(o.field("kid", String.class)), orEmpty(o.field("typ", String.class)));
            crit = o.has("crit");
        } catch (Json.SyntaxException e) {
            throw new VerifyException(Reason.MALFORMED, "header is not a JSON object");
        }
        if (crit) throw new VerifyException(Reason.MALFORMED, "unsupported critical header", hdr.kid(), null);
        if (!ALG_EDDSA.equals(hdr.alg()) && !ALG_ED25519.equals(hdr.alg())) {
            throw new VerifyException(Reason.WRONG_ALGORITHM, "alg, want \"EdDSA\" or \"Ed25519\"", hdr.kid(), null);
        }
        return hdr;
    }

    static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static int indexOf(byte[] b, int from) {
        for (int k = from; k < b.length; k++) {
            if (b[k] == '.') return k;
        }
        return -1;
    }

    private static int lastIndexOf(byte[] b) {
        for (int k = b.length - 1; k >= 0; k--) {
            if (b[k] == '.') return k;
        }
        return -1;
    }
}
