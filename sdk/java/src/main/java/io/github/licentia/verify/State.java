package io.github.licentia.verify;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The verifier's memory between runs, in one small JSON file shared in format with the Go verifier
 * ({@code {"format":"licentia-verifier-state/1","seen":…,"list_iat":…,"min_gen":{…}}}): the latest trusted
 * time, the issue time of the newest revocation list used and, per license, the lowest generation still
 * acceptable. It lets an offline verifier notice a clock set back, an older code put back after a renewal,
 * freeze or revocation, and an older revocation list put back. The file is a safeguard, not a secret:
 * whoever can delete it resets it. One process should own a state file; a State is safe for concurrent use
 * within it.
 */
public final class State {
    /** The "format" member of every state file. */
    public static final String FORMAT = "licentia-verifier-state/1";
    /** Largest state file read. */
    static final int MAX_SIZE = 16 << 20;
    /** Seconds the trusted time must advance before an otherwise unchanged state is written again. */
    private static final long WRITE_EVERY = 60;
    private static final Set<String> MEMBERS = Set.of("format", "seen", "list_iat", "min_gen");

    private final Path path;
    private long seen;
    private long listIat;
    private final Map<String, Long> minGen = new TreeMap<>();
    private long written = -1;

    private State(Path path) {
        this.path = path;
    }

    /**
     * Reads the state file at {@code path}. A missing file gives an empty state, created on first write.
     *
     * @throws VerifyException with {@link Reason#STATE_ERROR} when the file cannot be read, or is empty,
     *     corrupt or foreign; it is left untouched (delete it to start afresh)
     */
    public static State open(Path path) throws VerifyException {
        State s = new State(path);
        byte[] data;
        try (InputStream in = Files.newInputStream(path)) {
            data = in.readNBytes(MAX_SIZE + 1);
        } catch (NoSuchFileException e) {
            return s;
        } catch (IOException e) {
            throw new VerifyException(Reason.STATE_ERROR, path.getFileName() + ": " + e.getMessage());
        }
        String problem = s.decode(data);
        if (problem != null) throw new VerifyException(Reason.STATE_ERROR, path.getFileName() + ": " + problem);
        s.written = s.seen;
        return s;
    }

    /** Decodes data into this state; returns what is wrong with it, or null. */
    private String decode(byte[] data) {
        if (data.length > MAX_SIZE) return "larger than a state file can be";
        if (new String(data, StandardCharsets.UTF_8).isBlank()) return "file is empty (delete it to start afresh)";
        try {
            if (!(Json.parse(data) instanceof Json.Obj m)) return "not a licentia state file: not a JSON object";
            for (String k : m.names) {
                if (MEMBERS.stream().noneMatch(f -> Json.Obj.folds(k, f))) return "not a licentia state file: unknown member \"" + k + "\"";
            }
            if (!FORMAT.equals(m.field("format", String.class))) return "not a licentia state file: format, want \"" + FORMAT + "\"";
            long seenV = Claims.num(m, "seen"), listV = Claims.num(m, "list_iat");
            if (seenV < 0 || listV < 0) return "corrupt: seen " + seenV + ", list_iat " + listV;
            Json.Obj gens = m.field("min_gen", Json.Obj.class);
            for (Map.Entry<String, Object> e : gens == null ? Map.<String, Object>of().entrySet() : gens.exact().entrySet()) {
                Long g = integer(e.getValue());
                if (g == null || e.getKey().isEmpty() || g < 1) return "corrupt: min_gen entry \"" + e.getKey() + "\"";
                minGen.put(e.getKey(), g);
            }
            seen = seenV;
            listIat = listV;
            return null;
        } catch (Json.SyntaxException e) {
            return "not a licentia state file: " + e.getMessage();
        }
    }

    private static Long integer(Object v) {
        if (v == null) return 0L;
        return v instanceof Json.Num n ? n.asLong() : null;
    }

    /** Returns the latest trusted unix time the state has recorded. */
    public synchronized long seen() {
        return seen;
    }

    /** Returns the {@code iat} of the newest revocation list used with the state (0 if none). */
    public synchronized long listIssuedAt() {
        return listIat;
    }

    /** Returns the lowest generation of license {@code id} the state still accepts (0 if none recorded). */
    public synchronized long minGeneration(String id) {
        return minGen.getOrDefault(id, 0L);
    }

    /**
     * Checks the authentic claims c at unix time now (step 7), records what they teach and writes the file
     * when that changed it. Returns {prevMin, newerList}: the lowest acceptable generation known before c,
     * and the iat of a newer list already seen when l is older (else 0).
     */
    synchronized long[] observe(Claims c, RevocationList l, long now, long tolerance) throws VerifyException {
        long prevMin = minGen.getOrDefault(c.licenseId(), 0L);
        long trusted = Math.max(seen, c.issuedAt());
        long newMin = Math.max(prevMin, c.generation());
        long newList = listIat, newerList = 0;
        if (l != null && l.issuedAt() < listIat) {
            newerList = listIat;
        } else if (l != null) {
            trusted = Math.max(trusted, l.issuedAt());
            newMin = Math.max(newMin, l.minGeneration(c.licenseId()));
            newList = l.issuedAt();
        }
        boolean rollback = now < trusted - tolerance;
        if (!rollback) trusted = Math.max(trusted, now);
        boolean changed = newMin != prevMin || newList != listIat;
        seen = trusted;
        listIat = newList;
        minGen.put(c.licenseId(), newMin);
        if (changed || written < 0 || seen - written >= WRITE_EVERY) write();
        if (rollback) {
            throw new VerifyException(Reason.CLOCK_ROLLBACK, "clock at " + now + ", but " + trusted + " was already seen");
        }
        return new long[] {prevMin, newerList};
    }

    /** Replaces the file with the current state, atomically (temporary file, fsync, rename), mode 0600. */
    private void write() throws VerifyException {
        StringBuilder b = new StringBuilder("{\"format\":");
        Json.quote(b, FORMAT);
        b.append(",\"seen\":").append(seen);
        if (listIat != 0) b.append(",\"list_iat\":").append(listIat);
        b.append(",\"min_gen\":{");
        String sep = "";
        for (Map.Entry<String, Long> e : minGen.entrySet()) { // TreeMap: sorted by id, as Go writes
            b.append(sep);
            Json.quote(b, e.getKey());
            b.append(':').append(e.getValue());
            sep = ",";
        }
        b.append("}}\n");
        Path dir = path.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            tmp = FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
                    ? Files.createTempFile(dir, ".tmp-", "", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                    : Files.createTempFile(dir, ".tmp-", "");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.UTF_8));
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
            Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
        } catch (IOException e) {
            throw new VerifyException(Reason.STATE_ERROR, "write " + path.getFileName() + ": " + e.getMessage());
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the write already failed; that error is the one reported
                }
            }
        }
        written = seen;
    }
}
