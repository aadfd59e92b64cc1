// Strict base64url and JSON decoding with the Go verifier's semantics.
//
// The Go verifier decodes with encoding/json into fixed structs. To reach the same verdict on every
// input this module reproduces what matters of that: member names match case-insensitively (Unicode
// simple folding, so "SUB" and "\u017fub" are "sub"), a later duplicate wins, null leaves a string,
// integer or boolean member as it was (an object or array member becomes absent), integers are JSON
// integers (no fraction, no exponent), a wrong type is an error, invalid UTF-8 is replaced rather than
// refused, and members of no interest are ignored. JSON.parse cannot tell 1 from 1.0 nor keep
// duplicates, so the text is parsed here.

export class WireError extends Error {}

const B64URL = /^[A-Za-z0-9_-]*$/;

/** b64decode decodes base64url strictly: URL alphabet, no padding, zero unused trailing bits. */
export function b64decode(part) {
  const s = typeof part === 'string' ? part : Buffer.from(part).toString('latin1');
  if (!B64URL.test(s) || s.length % 4 === 1) throw new WireError('not base64url');
  const raw = Buffer.from(s, 'base64url');
  if (raw.toString('base64url') !== s) throw new WireError('not canonical base64url');
  return raw;
}

/** A JSON object as the list of its [name, value] members, in order, duplicates kept. */
export class JSONObject {
  constructor(members) { this.members = members; }
}

/** A JSON number, kept as its text. */
class JSONNumber {
  constructor(text) { this.text = text; }
}

const MAX_DEPTH = 10000; // as Go's encoding/json
const utf8 = new TextDecoder('utf-8'); // not fatal: invalid UTF-8 becomes U+FFFD, as in Go

/** parse parses JSON text (bytes or a string); objects come back as JSONObject, numbers as JSONNumber. */
export function parse(data) {
  const text = typeof data === 'string' ? data : utf8.decode(data);
  const p = new Parser(text);
  let v;
  try {
    p.ws();
    v = p.value(0);
    p.ws();
  } catch (e) {
    if (e instanceof WireError) throw e;
    throw new WireError('not JSON'); // a stack overflow on absurd nesting
  }
  if (p.i !== text.length) throw new WireError('not JSON: trailing data');
  return v;
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class Parser {
  constructor(text) { this.t = text; this.i = 0; }

  fail() { throw new WireError(`not JSON (at ${this.i})`); }

  ws() {
    const t = this.t;
    while (this.i < t.length) {
      const c = t.charCodeAt(this.i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      this.i++;
    }
  }

  value(depth) {
    if (depth > MAX_DEPTH) throw new WireError('not JSON: nested too deeply');
    const c = this.t[this.i];
    if (c === '{') return this.object(depth + 1);
    if (c === '[') return this.array(depth + 1);
    if (c === '"') return this.string();
    for (const [lit, v] of [['true', true], ['false', false], ['null', null]]) {
      if (this.t.startsWith(lit, this.i)) { this.i += lit.length; return v; }
    }
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.t);
    if (!m) this.fail();
    this.i += m[0].length;
    return new JSONNumber(m[0]);
  }

  object(depth) {
    this.i++;
    const members = [];
    this.ws();
    if (this.t[this.i] === '}') { this.i++; return new JSONObject(members); }
    for (;;) {
      this.ws();
      if (this.t[this.i] !== '"') this.fail();
      const k = this.string();
      this.ws();
      if (this.t[this.i] !== ':') this.fail();
      this.i++;
      this.ws();
      members.push([k, this.value(depth)]);
      this.ws();
      const c = this.t[this.i++];
      if (c === '}') return new JSONObject(members);
      if (c !== ',') this.fail();
    }
  }

  array(depth) {
    this.i++;
    const out = [];
    this.ws();
    if (this.t[this.i] === ']') { this.i++; return out; }
    for (;;) {
      this.ws();
      out.push(this.value(depth));
      this.ws();
      const c = this.t[this.i++];
      if (c === ']') return out;
      if (c !== ',') this.fail();
    }
  }

  string() {
    const t = this.t;
    this.i++;
    let out = '';
    let start = this.i;
    for (;;) {
      if (this.i >= t.length) this.fail();
      const c = t.charCodeAt(this.i);
      if (c === 0x22) { out += t.slice(start, this.i); this.i++; return out; }
      if (c < 0x20) this.fail();
      if (c !== 0x5c) { this.i++; continue; }
      out += t.slice(start, this.i);
      const e = t[this.i + 1];
      if (e === 'u') {
        const hex = t.slice(this.i + 2, this.i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail();
        out += String.fromCharCode(parseInt(hex, 16));
        this.i += 6;
      } else if (e !== undefined && Object.hasOwn(ESCAPES, e)) {
        out += ESCAPES[e];
        this.i += 2;
      } else {
        this.fail();
      }
      start = this.i;
    }
  }
}

/** fold is Unicode simple folding restricted to what can fold onto an ASCII member name. */
export function fold(name) {
  let out = '';
  for (const c of name) {
    if (c < '\x80') out += c.toLowerCase();
    else if (c === '\u212a') out += 'k'; // Kelvin sign
    else if (c === '\u017f') out += 's'; // long s
    else out += c;
  }
  return out;
}

// Member kinds for fields(). ANY records presence (null included), VALUE keeps the parsed value,
// OPT_STR is a string or null, INT_MAP an object of integers (or null), STR_LIST an array of strings as Go
// decodes it into []string (null: absent; a null entry: '').
export const STR = 'str', INT = 'int', BOOL = 'bool', ANY = 'any', VALUE = 'value', OPT_STR = 'opt_str',
  INT_MAP = 'int_map', STR_LIST = 'str_list';
const ZERO = {
  str: '', int: 0, bool: false, any: false, value: null, opt_str: null, int_map: null, str_list: Object.freeze([]),
};
const INT_TEXT = /^-?(?:0|[1-9][0-9]*)$/;
const INT64_MIN = -(2n ** 63n), INT64_MAX = 2n ** 63n - 1n;

// int decodes an int64 as Go does. JavaScript numbers hold integers exactly only up to 2^53 - 1;
// larger ones (which licentia never issues) are refused rather than rounded.
function int(v) {
  if (v === null) return 0;
  if (!(v instanceof JSONNumber) || !INT_TEXT.test(v.text)) throw new WireError('want an integer');
  const b = BigInt(v.text);
  if (b < INT64_MIN || b > INT64_MAX) throw new WireError('integer out of range');
  if (b > BigInt(Number.MAX_SAFE_INTEGER) || b < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new WireError('integer beyond 2^53 - 1');
  }
  return Number(b);
}

function strEntry(v) {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  throw new WireError('want a string');
}

/** decode decodes one member's value v as the kind does in fields() (null included). */
export function decode(kind, v) {
  switch (kind) {
    case ANY: return true;
    case VALUE: return v;
    case INT: return int(v);
    case STR_LIST: return Object.freeze(array(v).map(strEntry));
  }
  if (v === null) return ZERO[kind];
  if ((kind === STR || kind === OPT_STR) && typeof v === 'string') return v;
  if (kind === BOOL && typeof v === 'boolean') return v;
  if (kind === INT_MAP && v instanceof JSONObject) {
    const m = new Map(); // keys match exactly; a later duplicate wins
    for (const [k, g] of v.members) m.set(k, int(g));
    return m;
  }
  throw new WireError(`want a ${kind}`);
}

/**
 * fields decodes the members of obj named in spec (name → kind) as Go decodes into a struct; absent
 * members get their zero value. With strict, an unknown member is an error (DisallowUnknownFields).
 */
export function fields(obj, spec, strict = false) {
  if (!(obj instanceof JSONObject)) throw new WireError('want a JSON object');
  const out = {};
  for (const [name, kind] of Object.entries(spec)) out[name] = ZERO[kind];
  for (const [key, v] of obj.members) {
    const name = Object.hasOwn(spec, key) ? key : fold(key);
    if (!Object.hasOwn(spec, name)) {
      if (strict) throw new WireError(`unknown member ${JSON.stringify(key.slice(0, 40))}`);
      continue;
    }
    // null leaves a string, integer or boolean member as it was (zero, or an earlier duplicate's value)
    if (v === null && (spec[name] === STR || spec[name] === INT || spec[name] === BOOL)) continue;
    out[name] = decode(spec[name], v);
  }
  return out;
}

/** array decodes a JSON array (or null) as Go decodes into a slice. */
export function array(v) {
  if (v === null) return [];
  if (!Array.isArray(v)) throw new WireError('want an array');
  return v;
}
