package io.github.licentia.verify;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The signed revocation list served at {@code GET /v1/revocations}: when it was made and, per license, the
 * lowest generation still valid (a revoked or released license maps to a generation above any issued).
 * {@link #parse} reads a revocation document (the whole list and the deltas fetched since, one per line),
 * {@link #append} adds a fetched answer to one and {@link #compactDue} says when to fetch the whole list
 * anew. Immutable.
 */
public final class RevocationList {
    private final long issuedAt;
    private final Map<String, Long> minGen;

    private RevocationList(long issuedAt, Map<String, Long> minGen) {
        this.issuedAt = issuedAt;
        this.minGen = Collections.unmodifiableMap(minGen);
    }

    /** The longest answer of {@code GET /v1/revocations} read (a whole list or a delta), white space included. */
    public static final int MAX_LIST_SIZE = 2 * Jws.MAX_LIST;
    /** The longest revocation document read (a whole list and its deltas), white space included. */
    public static final int MAX_DOCUMENT_SIZE = 2 * MAX_LIST_SIZE;
    /** The most deltas a revocation document may hold after its whole list; one more is malformed. */
    public static final int MAX_DELTAS = 2048;

    /**
     * Verifies the revocation document {@code data} with the keys of {@code kr} and returns the list it
     * amounts to. A document is a whole list (the body of {@code GET /v1/revocations}, a compact JWS with typ
     * {@code licentia-revocations+jwt}) followed by zero or more deltas (bodies of
     * {@code GET /v1/revocations?since=}, typ {@code licentia-revocations-delta+jwt}), one compact JWS per
     * line: lines are separated by LF, white space around each is ignored and empty lines are skipped. Each
     * delta must continue the list before it (its since no later than that list's iat, its iat no earlier);
     * it sets its min_gen entries, deletes its removed ids and makes its iat the list's.
     *
     * @throws VerifyException with {@link Reason#MALFORMED} (also a gap, an older delta, more than
     *     {@link #MAX_DELTAS} deltas or more than {@link #MAX_DOCUMENT_SIZE} bytes), {@link Reason#WRONG_TYPE}
     *     (a document that does not start with a whole list, a whole list or a code where a delta belongs),
     *     {@link Reason#WRONG_ALGORITHM}, {@link Reason#UNKNOWN_KEY} or {@link Reason#BAD_SIGNATURE}; an error
     *     in a delta names it by its number (1 for the first delta)
     */
    public static RevocationList parse(Keyring kr, byte[] data) throws VerifyException {
        return document(kr, data).list;
    }

    /** A revocation document and the list it amounts to: the result of {@link #append}. */
    public record Appended(byte[] document, RevocationList list) {}

    /**
     * Adds {@code body}, an answer of {@code GET /v1/revocations} as fetched (a whole list or a delta), to the
     * revocation document {@code doc} (null or empty for none) and returns the new document and the list it
     * amounts to. A whole list replaces doc; a delta is verified, checked to continue doc's list and appended
     * on a line of its own (the document then ends with LF). Neither array is changed.
     *
     * @throws VerifyException with {@link Reason#STALE_LIST} when body is older than doc's list (a whole list
     *     or a delta with an earlier iat, say from a server replica that lags): keep doc; with
     *     {@link Reason#MALFORMED} for a delta that leaves a gap, a delta for an empty or invalid doc, or one
     *     beyond {@link #MAX_DELTAS}: fetch the whole list; otherwise the reasons of {@link #parse}, for body
     *     (one JWS of at most {@link #MAX_LIST_SIZE} bytes) or doc
     */
    public static Appended append(Keyring kr, byte[] doc, byte[] body) throws VerifyException {
        if (doc == null) doc = new byte[0];
        if (body.length > MAX_LIST_SIZE) throw new VerifyException(Reason.MALFORMED, "revocation list longer than " + MAX_LIST_SIZE + " bytes");
        byte[] raw = trim(body, 0, body.length);
        for (byte c : raw) {
            if (c == '\n') throw new VerifyException(Reason.MALFORMED, "revocation list: an answer is one JWS on one line");
        }
        String typ = prefixed("revocation list", () -> Jws.typ(raw));
        if (!Jws.TYPE_REVOCATIONS_DELTA.equals(typ)) {
            RevocationList l = prefixed("revocation list", () -> whole(kr, raw));
            if (trim(doc, 0, doc.length).length > 0) {
                RevocationList held = null;
                try {
                    held = document(kr, doc).list;
                } catch (VerifyException e) {
                    // an unreadable document is replaced
                }
                if (held != null && held.issuedAt > l.issuedAt) {
                    throw new VerifyException(Reason.STALE_LIST, "the list fetched (iat " + l.issuedAt + ") is older than the one held (iat "
                            + held.issuedAt + ")");
                }
            }
            return new Appended(concat(raw, null), l);
        }
        Delta d = prefixed("revocation delta", () -> delta(kr, raw));
        byte[] docBytes = doc;
        Doc held = prefixed("a revocation delta needs the list it changes", () -> document(kr, docBytes));
        if (d.iat < held.list.issuedAt) {
            throw new VerifyException(Reason.STALE_LIST, "the delta fetched (iat " + d.iat + ") is older than the list held (iat "
                    + held.list.issuedAt + ")");
        }
        if (held.deltas >= MAX_DELTAS) {
            throw new VerifyException(Reason.MALFORMED, "revocation delta: the document holds " + held.deltas + " deltas already; fetch the whole list anew");
        }
        byte[] trimmed = trim(doc, 0, doc.length);
        if ((long) trimmed.length + 1 + raw.length + 1 > MAX_DOCUMENT_SIZE) {
            throw new VerifyException(Reason.MALFORMED, "revocation delta: the document would be longer than " + MAX_DOCUMENT_SIZE
                    + " bytes; fetch the whole list anew");
        }
        Map<String, Long> minGen = new HashMap<>(held.list.minGen);
        prefixed("revocation delta", () -> apply(held.list.issuedAt, minGen, d));
        return new Appended(concat(trimmed, raw), new RevocationList(d.iat, minGen));
    }

    /**
     * Reports whether the revocation document {@code doc} is due to be replaced by a whole list fetched anew
     * rather than grow: its deltas together are longer than its whole list, or it holds {@link #MAX_DELTAS}
     * deltas. It reads doc's lines without verifying them; an empty (or null) document is due.
     */
    public static boolean compactDue(byte[] doc) {
        long listLen = 0, deltas = 0, deltaLen = 0;
        boolean first = true;
        if (doc != null) {
            for (int i = 0; i < doc.length;) {
                int j = i;
                while (j < doc.length && doc[j] != '\n') j++;
                int len = trimmedLength(doc, i, j);
                i = j + 1;
                if (len == 0) continue;
                if (first) {
                    listLen = len;
                    first = false;
                } else {
                    deltas++;
                    deltaLen += len;
                }
            }
        }
        return listLen == 0 || deltaLen > listLen || deltas >= MAX_DELTAS;
    }

    /** A parsed document: its list and its number of deltas. */
    private record Doc(RevocationList list, int deltas) {}

    /** A verified delta. */
    private record Delta(long iat, long since, Map<String, Long> minGen, List<String> removed) {}

    private interface Step<T> {
        T run() throws VerifyException;
    }

    /** Runs step; a VerifyException it throws is thrown again with its detail prefixed. */
    private static <T> T prefixed(String prefix, Step<T> step) throws VerifyException {
        try {
            return step.run();
        } catch (VerifyException e) {
            throw e.prefixed(prefix);
        }
    }

    private static Doc document(Keyring kr, byte[] data) throws VerifyException {
        if (data.length > MAX_DOCUMENT_SIZE) {
            throw new VerifyException(Reason.MALFORMED, "revocation list: longer than " + MAX_DOCUMENT_SIZE + " bytes");
        }
        long iat = -1;
        Map<String, Long> minGen = null;
        int deltas = 0;
        for (int i = 0; i < data.length;) {
            int j = i;
            while (j < data.length && data[j] != '\n') j++;
            byte[] line = trim(data, i, j);
            i = j + 1;
            if (line.length == 0) continue;
            if (minGen == null) {
                RevocationList l = prefixed("revocation list", () -> whole(kr, line));
                iat = l.issuedAt;
                minGen = new HashMap<>(l.minGen);
                continue;
            }
            if (deltas == MAX_DELTAS) {
                throw new VerifyException(Reason.MALFORMED, "revocation list: more than " + MAX_DELTAS + " deltas; fetch the whole list anew");
            }
            deltas++;
            long before = iat;
            Map<String, Long> m = minGen;
            Delta d = prefixed("revocation list: delta " + deltas, () -> {
                Delta x = delta(kr, line);
                apply(before, m, x);
                return x;
            });
            iat = d.iat;
        }
        if (minGen == null) throw new VerifyException(Reason.MALFORMED, "revocation list: empty");
        return new Doc(new RevocationList(iat, minGen), deltas);
    }

    /** Verifies one whole list (a compact JWS, trimmed). */
    private static RevocationList whole(Keyring kr, byte[] jws) throws VerifyException {
        Jws.Opened o = Jws.open(kr, jws, Jws.TYPE_REVOCATIONS, Jws.MAX_LIST);
        long iat;
        Json.Obj gens;
        try {
            if (!(Json.parse(o.payload()) instanceof Json.Obj m)) throw new Json.SyntaxException("not a JSON object");
            iat = Claims.num(m, "iat");
            gens = m.field("min_gen", Json.Obj.class);
        } catch (Json.SyntaxException e) {
            throw new VerifyException(Reason.MALFORMED, e.getMessage());
        }
        if (iat < 0 || gens == null) {
            throw new VerifyException(Reason.MALFORMED, "want \"iat\" >= 0 and a \"min_gen\" object");
        }
        return new RevocationList(iat, entries(gens));
    }

    /** Reads a min_gen object: non-empty ids, generations >= 1. */
    private static Map<String, Long> entries(Json.Obj gens) throws VerifyException {
        Map<String, Long> minGen = new HashMap<>();
        for (Map.Entry<String, Object> e : gens.exact().entrySet()) {
            Long g = e.getValue() == null ? Long.valueOf(0) : e.getValue() instanceof Json.Num n ? n.asLong() : null;
            if (g == null || e.getKey().isEmpty() || g < 1) {
                throw new VerifyException(Reason.MALFORMED, "entry \"" + e.getKey() + "\"");
            }
            minGen.put(e.getKey(), g);
        }
        return minGen;
    }

    /** Verifies one delta (a compact JWS, trimmed). */
    private static Delta delta(Keyring kr, byte[] jws) throws VerifyException {
        Jws.Opened o = Jws.open(kr, jws, Jws.TYPE_REVOCATIONS_DELTA, Jws.MAX_LIST);
        long iat, since;
        Json.Obj gens;
        List<String> removed;
        try {
            if (!(Json.parse(o.payload()) instanceof Json.Obj m)) throw new Json.SyntaxException("not a JSON object");
            iat = Claims.num(m, "iat");
            since = Claims.num(m, "since");
            gens = m.field("min_gen", Json.Obj.class);
            removed = removed(m);
        } catch (Json.SyntaxException e) {
            throw new VerifyException(Reason.MALFORMED, e.getMessage());
        }
        if (since < 0 || iat < since || gens == null || removed == null) {
            throw new VerifyException(Reason.MALFORMED, "want 0 <= \"since\" <= \"iat\", a \"min_gen\" object and a \"removed\" array");
        }
        Map<String, Long> minGen = entries(gens);
        for (String id : removed) {
            if (id.isEmpty()) throw new VerifyException(Reason.MALFORMED, "an empty id in \"removed\"");
            if (minGen.containsKey(id)) throw new VerifyException(Reason.MALFORMED, "\"" + id + "\" both in \"min_gen\" and in \"removed\"");
        }
        return new Delta(iat, since, minGen, removed);
    }

    /**
     * Reads "removed" as Go reads a []string, telling nil apart: absent or null (the last matching member)
     * is null, a null entry reads as "", anything else that is not an array of strings is an error.
     */
    private static List<String> removed(Json.Obj m) throws Json.SyntaxException {
        List<String> out = null;
        for (int k = 0; k < m.names.size(); k++) {
            if (!Json.Obj.folds(m.names.get(k), "removed")) continue;
            Object v = m.values.get(k);
            if (v == null) {
                out = null;
                continue;
            }
            if (!(v instanceof List<?> l)) throw new Json.SyntaxException("\"removed\" is not an array");
            List<String> got = new ArrayList<>(l.size());
            for (Object e : l) {
                if (e != null && !(e instanceof String)) throw new Json.SyntaxException("\"removed\" holds a non-string");
                got.add(e == null ? "" : (String) e);
            }
            out = got;
        }
        return out;
    }

    /** Applies d to the list (iat, minGen) after checking that d continues it: no gap, not older. */
    private static Void apply(long iat, Map<String, Long> minGen, Delta d) throws VerifyException {
        if (d.since > iat) {
            throw new VerifyException(Reason.MALFORMED, "a gap: the delta holds changes since " + d.since + ", the list before it is of " + iat
                    + "; fetch the whole list anew");
        }
        if (d.iat < iat) {
            throw new VerifyException(Reason.MALFORMED, "the delta (iat " + d.iat + ") is older than the list before it (iat " + iat + ")");
        }
        minGen.putAll(d.minGen);
        for (String id : d.removed) minGen.remove(id);
        return null;
    }

    private static boolean isSpace(byte c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x0b || c == '\f';
    }

    private static int trimmedLength(byte[] b, int i, int j) {
        while (i < j && isSpace(b[i])) i++;
        while (j > i && isSpace(b[j - 1])) j--;
        return j - i;
    }

    /** Returns b[i, j) without white space around it. */
    private static byte[] trim(byte[] b, int i, int j) {
        while (i < j && isSpace(b[i])) i++;
        while (j > i && isSpace(b[j - 1])) j--;
        return Arrays.copyOfRange(b, i, j);
    }

    /** Returns a, LF, then b and LF when b is not null. */
    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + 1 + (b == null ? 0 : b.length + 1)];
        System.arraycopy(a, 0, out, 0, a.length);
        out[a.length] = '\n';
        if (b != null) {
            System.arraycopy(b, 0, out, a.length + 1, b.length);
            out[out.length - 1] = '\n';
        }
        return out;
    }

    /** Returns the unix time the list was made ({@code iat}). */
    public long issuedAt() {
        return issuedAt;
    }

    /** Returns the lowest generation of license {@code id} still valid, or 0 when the list does not name it. */
    public long minGeneration(String id) {
        return minGen.getOrDefault(id, 0L);
    }

    /** Returns the list's entries: license id to lowest valid generation. */
    public Map<String, Long> minGenerations() {
        return minGen;
    }
}
