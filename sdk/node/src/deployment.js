// Deployment binding: the "dep" claim, the deployment a Verifier checks it against, and their hashes
// (the Go verifier's doc.go, "Deployment binding").

import { createHash } from 'node:crypto';
import { DeploymentError } from './errors.js';
import * as wire from './wire.js';

export const MAX_DEPLOYMENT_ID_LEN = 1024; // characters of a deployment id: a G1b deviceFingerprint may have 1024
export const MAX_COMPONENTS = 16; // component names of one deployment
export const MAX_COMPONENT_VALUES = 16; // values of one component (a machine's MACs, its disks)
export const MAX_COMPONENT_NAME_LEN = 32; // bytes of a component name
export const MAX_COMPONENT_LEN = 256; // characters of one component value
export const DEPLOYMENT_SALT_LEN = 16; // bytes of a "dep" salt
const B64_LEN = 22; // a salt or a hash: 16 bytes in base64url
const MAX_SALTS = 16; // salts whose hashes of the local deployment are remembered

// White space trimmed from both ends of a value before hashing: Go's unicode.IsSpace, exactly.
const SPACE = new Set('\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008' +
  '\u2009\u200a\u2028\u2029\u202f\u205f\u3000');

function trim(s) {
  let i = 0, j = s.length;
  while (i < j && SPACE.has(s[i])) i++;
  while (j > i && SPACE.has(s[j - 1])) j--;
  return s.slice(i, j);
}

/**
 * normalizeComponent returns the form of a component value that is hashed: white space trimmed at both
 * ends, ASCII A-Z lowered (no other character changes), and for "mac" every ':', '-' and '.' removed.
 */
export function normalizeComponent(name, value) {
  let v = trim(value).replace(/[A-Z]+/g, (m) => m.toLowerCase());
  if (name === 'mac') v = v.replace(/[:.-]/g, '');
  return v;
}

/**
 * deploymentHash returns the hash a "dep" claim holds for a value of the component name ("id" for the
 * deployment id): the first 16 bytes of SHA-256(salt ‖ name ‖ 0x00 ‖ normalized value), base64url
 * without padding.
 */
export function deploymentHash(salt, name, value) {
  return createHash('sha256').update(salt).update(name, 'utf8').update(Buffer.of(0))
    .update(normalizeComponent(name, value), 'utf8').digest().subarray(0, 16).toString('base64url');
}

const codePoints = (s) => {
  let n = 0;
  for (const _ of s) n++; // eslint-disable-line no-unused-vars
  return n;
};
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const printable = (s) => !LONE_SURROGATE.test(s) && !CONTROL.test(s);

/** validComponentName reports whether name is 1 to 32 bytes: a lower-case letter, then a-z, 0-9 and _. */
export function validComponentName(name) {
  return typeof name === 'string' && /^[a-z][a-z0-9_]{0,31}$/.test(name);
}

const short = (s) => (s.length > 40 ? `${s.slice(0, 32)}…` : s);

/**
 * Deployment names one installation of the buyer's software: a stable id (1 to 1024 characters) and
 * optional components, name → values (machine_id, product_uuid, mac, disk, hostname, ...).
 */
export class Deployment {
  /**
   * Deployment.of builds a deployment from its JSON form, {"id": ..., "components": {name: value or
   * [values]}}, or a plain string (the id alone), and validates it as the Go verifier's
   * Deployment.Validate does. It throws DeploymentError (reason deployment_error) when it is out of bounds.
   */
  static of(value) {
    if (value instanceof Deployment) return value;
    let id, comps;
    if (typeof value === 'string') {
      id = value;
      comps = new Map();
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      id = value.id ?? '';
      const c = value.components ?? {};
      if (typeof id !== 'string' || c === null || typeof c !== 'object' || Array.isArray(c)) {
        throw new DeploymentError('unusable deployment: want {"id": string, "components": {...}}');
      }
      const entries = c instanceof Map ? [...c] : Object.entries(c);
      if (entries.length > MAX_COMPONENTS) {
        throw new DeploymentError(`unusable deployment: ${entries.length} components, at most ${MAX_COMPONENTS}`);
      }
      comps = new Map();
      for (const [name, v] of entries) {
        const vals = typeof v === 'string' ? [v] : v;
        if (!Array.isArray(vals) || !vals.every((x) => typeof x === 'string')) {
          throw new DeploymentError(`unusable deployment: component ${JSON.stringify(short(String(name)))} is neither a string nor a list of strings`);
        }
        comps.set(name, Object.freeze([...vals]));
      }
    } else {
      throw new DeploymentError('unusable deployment: want a string (the id) or {"id": ..., "components": {...}}');
    }
    return new Deployment(id, comps);
  }

  constructor(id, components) {
    this.id = id;
    this.components = components; // Map<string, readonly string[]>
    validate(this);
    Object.freeze(this);
  }

  /** The object form a server request carries. */
  toJSON() {
    const out = { id: this.id };
    if (this.components.size) out.components = Object.fromEntries([...this.components].map(([n, v]) => [n, [...v]]));
    return out;
  }
}

function validate(d) {
  const bad = (why) => { throw new DeploymentError(`unusable deployment: ${why}`); };
  const n = codePoints(d.id);
  if (trim(d.id) === '') bad('no id');
  if (n > MAX_DEPLOYMENT_ID_LEN) bad(`id of ${n} characters, at most ${MAX_DEPLOYMENT_ID_LEN}`);
  if (!printable(trim(d.id))) bad('id holds a control character or is not UTF-8');
  if (d.components.size > MAX_COMPONENTS) bad(`${d.components.size} components, at most ${MAX_COMPONENTS}`);
  for (const [name, vals] of d.components) {
    if (!validComponentName(name)) {
      bad(`component name ${JSON.stringify(short(name))}: want a lower-case letter, then up to ${MAX_COMPONENT_NAME_LEN - 1} of a-z, 0-9 and _`);
    }
    if (vals.length === 0) bad(`component ${name} has no value`);
    if (vals.length > MAX_COMPONENT_VALUES) bad(`component ${name} has ${vals.length} values, at most ${MAX_COMPONENT_VALUES}`);
    for (const v of vals) {
      const m = codePoints(v);
      if (normalizeComponent(name, v) === '') bad(`component ${name} has an empty value`);
      if (m > MAX_COMPONENT_LEN) bad(`a value of component ${name} has ${m} characters, at most ${MAX_COMPONENT_LEN}`);
      if (!printable(trim(v))) bad(`a value of component ${name} holds a control character or is not UTF-8`);
    }
  }
}

// decode16 decodes a salt or a hash: exactly 22 base64url characters in their one encoding of 16 bytes.
function decode16(s) {
  if (typeof s !== 'string' || s.length !== B64_LEN) return null;
  try {
    const b = wire.b64decode(s);
    return b.length === 16 ? b : null;
  } catch {
    return null;
  }
}

/**
 * The "dep" claim: the salt ("s", base64url), the id's hash ("id"), each component's value hashes ("c")
 * and how many components must match ("k", 0 without components). It holds salted hashes only.
 */
export class DeploymentClaim {
  constructor({ salt = '', id = '', components = new Map(), match = 0 } = {}) {
    this.salt = salt;
    this.id = id;
    this.components = components; // Map<string, readonly string[]>
    this.match = match;
    Object.freeze(this);
  }

  toJSON() {
    const out = { s: this.salt, id: this.id };
    if (this.components.size) {
      out.c = Object.fromEntries([...this.components].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    if (this.match) out.k = this.match;
    return out;
  }

  /** malformedReason says why the claim is not well formed (the Go verifier's wellFormed), or ''. */
  malformedReason() {
    const n = this.components.size;
    if (!decode16(this.salt)) return `"dep" salt is not ${DEPLOYMENT_SALT_LEN} bytes of base64url`;
    if (!decode16(this.id)) return '"dep" id is not a deployment hash';
    if (n > MAX_COMPONENTS) return `"dep" has ${n} components, at most ${MAX_COMPONENTS}`;
    if (n === 0 && this.match !== 0) return `"dep" needs ${this.match} components and binds none`;
    if (n > 0 && !(this.match >= 1 && this.match <= n)) return `"dep" needs ${this.match} of ${n} components`;
    for (const [name, hs] of [...this.components].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (!validComponentName(name) || hs.length === 0 || hs.length > MAX_COMPONENT_VALUES) {
        return `"dep" component ${JSON.stringify(short(name))}`;
      }
      if (!hs.every(decode16)) return `"dep" component ${name} holds a value that is not a deployment hash`;
    }
    return '';
  }

  /**
   * matches reports whether deployment (a Deployment or its JSON form) is the one the claim binds:
   * { matched, needed, ok }; for a claim binding the id alone, matched and needed are 0.
   */
  matches(deployment) {
    const salt = decode16(this.salt);
    if (!salt) return { matched: 0, needed: this.match, ok: false };
    return this._matchHashes(hashed(Deployment.of(deployment), salt));
  }

  _matchHashes(h) {
    if (this.components.size === 0) return { matched: 0, needed: 0, ok: h.id === this.id };
    let matched = 0;
    for (const [name, hs] of this.components) {
      if ((h.components.get(name) ?? []).some((v) => hs.includes(v))) matched++;
    }
    return { matched, needed: this.match, ok: matched >= this.match };
  }
}

function hashed(d, salt) {
  const components = new Map();
  for (const [name, vals] of d.components) components.set(name, vals.map((v) => deploymentHash(salt, name, v)));
  return { id: deploymentHash(salt, 'id', d.id), components };
}

/** LocalDeployment is the deployment a Verifier checks "dep" claims against, its hashes remembered per salt. */
export class LocalDeployment {
  #d; #hashes = new Map();

  constructor(d) { this.#d = d; }

  /** check returns '' when c binds this deployment, else why not. */
  check(c) {
    let h = this.#hashes.get(c.salt);
    if (!h) {
      const salt = decode16(c.salt);
      if (!salt) return '"dep" salt'; // refused as malformed already
      h = hashed(this.#d, salt);
      if (this.#hashes.size >= MAX_SALTS) this.#hashes.delete(this.#hashes.keys().next().value);
      this.#hashes.set(c.salt, h);
    }
    const { matched, needed, ok } = c._matchHashes(h);
    if (ok) return '';
    if (needed === 0) return 'the code is bound to another deployment id';
    return `${matched} of the ${c.components.size} components bound match, ${needed} needed`;
  }
}

const DEP_MEMBERS = new Set(['s', 'id', 'k', 'c']);

/**
 * decodeDep decodes the values of the "dep" members of a claims object (every member whose name folds to
 * "dep", in order) as Go decodes them into a *DeploymentClaim: null makes it absent, an object is merged
 * into what an earlier one set, anything else is an error (throws wire.WireError). Returns null for no dep.
 */
export function decodeDep(values) {
  let st = null;
  for (const v of values) {
    if (v === null) {
      st = null;
      continue;
    }
    if (!(v instanceof wire.JSONObject)) throw new wire.WireError('"dep" is not an object');
    st ??= { s: '', id: '', k: 0, c: null };
    for (const [key, val] of v.members) {
      const name = DEP_MEMBERS.has(key) ? key : wire.fold(key);
      if (name === 'c') st.c = decodeComponents(st.c, val);
      else if ((name === 's' || name === 'id') && val !== null) st[name] = wire.decode(wire.STR, val);
      else if (name === 'k' && val !== null) st.k = wire.decode(wire.INT, val);
    }
  }
  if (st === null) return null;
  return new DeploymentClaim({ salt: st.s, id: st.id, match: st.k, components: st.c ?? new Map() });
}

// decodeComponents is Go's decoding of a JSON value into map[string][]string, onto the map cur: null
// clears it, an object adds its members (a later duplicate wins), each an array of strings or null.
function decodeComponents(cur, val) {
  if (val === null) return null;
  if (!(val instanceof wire.JSONObject)) throw new wire.WireError('"dep" "c" is not an object');
  const out = new Map(cur ?? []);
  for (const [key, hs] of val.members) out.set(key, wire.decode(wire.STR_LIST, hs));
  return out;
}
