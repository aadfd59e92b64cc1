package io.github.licentia.verify;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, strict JSON reader (RFC 8259) that reads what Go's encoding/json reads: objects become
 * {@link Obj} (every member, in order), arrays ArrayList, strings String, numbers {@link Num} (the literal,
 * converted on use), true/false Boolean, null Java null. Invalid UTF-8 inside strings becomes U+FFFD, as
 * in Go. Nesting is bounded; the input is bounded by its callers.
 */
final class Json {
    /** Deepest nesting accepted. */
    static final int MAX_DEPTH = 512;

    /** A JSON number, kept as its literal. */
    record Num(String text) {
        /** Returns the value when the literal is an integer in the range of a long (as Go's int64 field), else null. */
        Long asLong() {
            for (int k = 0; k < text.length(); k++) {
                char c = text.charAt(k);
                if (c == '.' || c == 'e' || c == 'E') return null;
            }
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    /**
     * A JSON object, every member kept in order. {@link #field} and {@link #has} read it as Go decodes an
     * object into a struct: a member name matches a field name exactly or case-insensitively (Unicode
     * simple folding: "ſ" is "s", the Kelvin sign is "k"), a later member overrides an earlier one, and
     * null leaves the field as it was. {@link #exact()} reads it as Go decodes into a map.
     */
    static final class Obj {
        final List<String> names = new ArrayList<>();
        final List<Object> values = new ArrayList<>();

        /** Reports whether a member matches field (null values included). */
        boolean has(String field) {
            for (String n : names) {
                if (folds(n, field)) return true;
            }
            return false;
        }

        /**
         * Returns the value Go would decode into the struct field named field (ASCII lower case): the
         * last non-null matching member, or null. Every non-null matching member must be of type want,
         * else it throws, as Go reports a type error even when a later member overrides the value.
         */
        <T> T field(String field, Class<T> want) throws SyntaxException {
            T out = null;
            for (int k = 0; k < names.size(); k++) {
                Object v = values.get(k);
                if (v == null || !folds(names.get(k), field)) continue;
                if (!want.isInstance(v)) throw new SyntaxException("\"" + field + "\" is not a " + want.getSimpleName());
                out = want.cast(v);
            }
            return out;
        }

        /** Returns the members as Go decodes them into a map: exact names, the last member wins. */
        Map<String, Object> exact() {
            Map<String, Object> m = new LinkedHashMap<>();
            for (int k = 0; k < names.size(); k++) m.put(names.get(k), values.get(k));
            return m;
        }

        /** Reports whether name matches the ASCII field name as Go's encoding/json folds names. */
        static boolean folds(String name, String field) {
            int k = 0, f = 0;
            while (k < name.length() && f < field.length()) {
                int c = name.codePointAt(k);
                char want = field.charAt(f);
                boolean same = c == want || (c < 128 && Character.toLowerCase((char) c) == want)
                        || (c == 0x17F && want == 's') || (c == 0x212A && want == 'k');
                if (!same) return false;
                k += Character.charCount(c);
                f++;
            }
            return k == name.length() && f == field.length();
        }
    }

    /** Thrown on any syntax error; carries a short description. */
    static final class SyntaxException extends Exception {
        private static final long serialVersionUID = 1L;

        SyntaxException(String msg) {
            super(msg, null, false, false);
        }
    }

    private final String s;
    private int i;

    private Json(String s) {
        this.s = s;
    }

    /** Parses UTF-8 bytes holding exactly one JSON value (white space around it allowed). */
    static Object parse(byte[] utf8) throws SyntaxException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(utf8)).toString();
        } catch (CharacterCodingException e) {
            throw new SyntaxException("not UTF-8");
        }
        Json p = new Json(text);
        Object v = p.value(0);
        p.ws();
        if (p.i != text.length()) throw new SyntaxException("data after the JSON value");
        return v;
    }

    private void ws() {
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return;
            i++;
        }
    }

    private SyntaxException err(String what) {
        return new SyntaxException(what + " at offset " + i);
    }

    private Object value(int depth) throws SyntaxException {
        ws();
        if (i >= s.length()) throw err("unexpected end");
        if (depth >= MAX_DEPTH) throw err("nested too deeply");
        char c = s.charAt(i);
        switch (c) {
            case '{':
                return object(depth);
            case '[':
                return array(depth);
            case '"':
                return string();
            default:
                if (word("true")) return Boolean.TRUE;
                if (word("false")) return Boolean.FALSE;
                if (word("null")) return null;
                return number();
        }
    }

    private Obj object(int depth) throws SyntaxException {
        i++;
        Obj m = new Obj();
        ws();
        if (take('}')) return m;
        do {
            ws();
            if (i >= s.length() || s.charAt(i) != '"') throw err("want a member name");
            String k = string();
            ws();
            if (!take(':')) throw err("want ':'");
            Object v = value(depth + 1);
            m.names.add(k);
            m.values.add(v);
            ws();
        } while (take(','));
        if (!take('}')) throw err("want ',' or '}'");
        return m;
    }

    private List<Object> array(int depth) throws SyntaxException {
        i++;
        List<Object> l = new ArrayList<>();
        ws();
        if (take(']')) return l;
        do {
            l.add(value(depth + 1));
            ws();
        } while (take(','));
        if (!take(']')) throw err("want ',' or ']'");
        return l;
    }

    private boolean take(char c) {
        if (i < s.length() && s.charAt(i) == c) {
            i++;
            return true;
        }
        return false;
    }

    private boolean word(String w) {
        if (s.startsWith(w, i)) {
            i += w.length();
            return true;
        }
        return false;
    }

    private int hex4() throws SyntaxException {
        if (i + 4 > s.length()) throw err("short \\u escape");
        int v = 0;
        for (int k = 0; k < 4; k++) {
            int d = Character.digit(s.charAt(i + k), 16);
            if (d < 0 || s.charAt(i + k) > 'f') throw err("bad \\u escape");
            v = v << 4 | d;
        }
        i += 4;
        return v;
    }

    private String string() throws SyntaxException {
        i++; // the opening quote
        StringBuilder b = new StringBuilder();
        while (true) {
            if (i >= s.length()) throw err("unterminated string");
            char c = s.charAt(i++);
            if (c == '"') return b.toString();
            if (c < 0x20) throw err("control character in string");
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (i >= s.length()) throw err("unterminated string");
            char e = s.charAt(i++);
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> b.append(unicode());
                default -> throw err("bad escape");
            }
        }
    }

    /** Decodes the rest of a \\u escape; a lone surrogate becomes U+FFFD, as in Go. */
    private String unicode() throws SyntaxException {
        int cp = hex4();
        if (cp >= 0xD800 && cp < 0xDC00 && s.startsWith("\\u", i)) {
            int save = i;
            i += 2;
            int lo = hex4();
            if (lo >= 0xDC00 && lo < 0xE000) return new String(Character.toChars(0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)));
            i = save;
        }
        if (cp >= 0xD800 && cp < 0xE000) return "\uFFFD";
        return String.valueOf((char) cp);
    }

    private Num number() throws SyntaxException {
        int start = i;
        take('-');
        int digits = i;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') i++;
        if (i == digits) throw err("invalid character");
        if (s.charAt(digits) == '0' && i - digits > 1) throw err("leading zero");
        if (take('.')) {
            int f = i;
            while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') i++;
            if (i == f) throw err("bad fraction");
        }
        if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            if (!take('+')) take('-');
            int e = i;
            while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') i++;
            if (i == e) throw err("bad exponent");
        }
        return new Num(s.substring(start, i));
    }

    /** Appends m as a JSON object of arrays of strings, in m's order. */
    static void stringLists(StringBuilder b, Map<String, List<String>> m) {
        b.append('{');
        boolean first = true;
        for (Map.Entry<String, List<String>> e : m.entrySet()) {
            if (!first) b.append(',');
            first = false;
            quote(b, e.getKey());
            b.append(":[");
            for (int k = 0; k < e.getValue().size(); k++) {
                if (k > 0) b.append(',');
                quote(b, e.getValue().get(k));
            }
            b.append(']');
        }
        b.append('}');
    }

    /** Appends s as a JSON string, escaped as Go's encoding/json escapes it. */
    static void quote(StringBuilder b, String str) {
        b.append('"');
        for (int k = 0; k < str.length(); k++) {
            char c = str.charAt(k);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
