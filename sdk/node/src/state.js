// The verifier's state file: trusted time, newest generations and the newest revocation list seen. The
// same file as the Go verifier's (verifier.OpenState), so software in several languages can share it:
// {"format":"licentia-verifier-state/1","seen":<unix>,"list_iat":<unix>,"min_gen":{"<license id>":<gen>}}

import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ClockRollbackError, StateError } from './errors.js';
import { readBounded } from './files.js';
import { utc } from './time.js';
import * as wire from './wire.js';

export const STATE_FORMAT = 'licentia-verifier-state/1';
const WRITE_EVERY = 60; // seconds the trusted time must advance before an unchanged state is written again
const MAX_STATE_LEN = 16 << 20;
const SPEC = { format: wire.STR, seen: wire.INT, list_iat: wire.INT, min_gen: wire.INT_MAP };

/**
 * The verifier's memory between runs, kept in one small JSON file. It notices a clock set back, an older
 * code put back after a renewal, freeze or revocation, and an older revocation list put back. The file
 * is a safeguard, not a secret: whoever can delete it resets it. One process should own a state file.
 * Open it with State.open.
 */
export class State {
  #path;
  #seen = 0;
  #listIat = 0;
  #minGen = new Map();
  #written = -1; // seen as last written; -1 if never written

  constructor(path) {
    if (typeof path !== 'string' || path === '') throw new TypeError('path: want a file name');
    this.#path = path;
  }

  /**
   * open reads the state file at path. A missing file is an empty state, created on first write; an
   * unreadable, empty, corrupt or foreign file throws StateError and is left untouched (delete it to
   * start afresh).
   */
  static open(path) {
    const s = new State(path);
    let data;
    try {
      data = readBounded(path, MAX_STATE_LEN);
    } catch (e) {
      if (e.code === 'ENOENT') return s;
      throw new StateError(`state file ${basename(path)}: ${e.code ?? e.message}`);
    }
    const problem = s.#decode(data);
    if (problem) throw new StateError(`state file ${basename(path)}: ${problem}`);
    s.#written = s.#seen;
    return s;
  }

  #decode(data) {
    if (data.length > MAX_STATE_LEN) return 'larger than a state file can be';
    if (data.toString('latin1').trim() === '') return 'file is empty (delete it to start afresh)';
    let f;
    try {
      f = wire.fields(wire.parse(data), SPEC, true);
    } catch (e) {
      return `not a licentia state file: ${e.message}`;
    }
    if (f.format !== STATE_FORMAT) {
      return `not a licentia state file: format ${JSON.stringify(f.format.slice(0, 80))}, want "${STATE_FORMAT}"`;
    }
    if (f.seen < 0 || f.list_iat < 0) return `corrupt: seen ${f.seen}, list_iat ${f.list_iat}`;
    for (const [id, g] of f.min_gen ?? []) {
      if (id === '' || g < 1) return `corrupt: min_gen entry ${JSON.stringify(id.slice(0, 80))}: ${g}`;
    }
    this.#seen = f.seen;
    this.#listIat = f.list_iat;
    this.#minGen = new Map(f.min_gen ?? []);
    return '';
  }

  get path() { return this.#path; }

  /** The latest trusted unix time recorded. */
  get seen() { return this.#seen; }

  /**
   * The iat of the newest revocation list used with the state (0 if none). An older list is refused
   * (StaleListError): compare with it before replacing a saved list.
   */
  get listIssuedAt() { return this.#listIat; }

  /** minGeneration returns the lowest generation of the license still accepted (0 if none is recorded). */
  minGeneration(licenseId) { return this.#minGen.get(licenseId) ?? 0; }

  /**
   * observe checks authentic claims c at unix time now against the state and records what they teach;
   * it writes the file when that changed it. It returns the lowest acceptable generation of c's license
   * as known before c and, when revs is older than a list already seen, that list's iat (else 0). It
   * throws ClockRollbackError, or StateError when the file cannot be written.
   */
  observe(c, revs, now, tolerance) {
    const prevMin = this.#minGen.get(c.licenseId) ?? 0;
    let trusted = Math.max(this.#seen, c.issuedAt);
    let newMin = Math.max(prevMin, c.generation);
    let listIat = this.#listIat;
    let newerList = 0;
    if (revs && revs.issuedAt < this.#listIat) {
      newerList = this.#listIat;
    } else if (revs) {
      trusted = Math.max(trusted, revs.issuedAt);
      newMin = Math.max(newMin, revs.minGen.get(c.licenseId) ?? 0);
      listIat = revs.issuedAt;
    }
    const rollback = now < trusted - tolerance;
    if (!rollback) trusted = Math.max(trusted, now);
    const changed = newMin !== prevMin || listIat !== this.#listIat;
    this.#seen = trusted;
    this.#listIat = listIat;
    this.#minGen.set(c.licenseId, newMin);
    if (changed || this.#written < 0 || this.#seen - this.#written >= WRITE_EVERY) this.#write();
    if (rollback) throw new ClockRollbackError(`clock rollback detected: clock at ${utc(now)}, but ${utc(trusted)} was already seen`);
    return { prevMin, newerList };
  }

  // #write replaces the file atomically (temporary file, fsync, rename), mode 0600.
  #write() {
    const minGen = Object.fromEntries([...this.#minGen].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const doc = { format: STATE_FORMAT, seen: this.#seen };
    if (this.#listIat) doc.list_iat = this.#listIat;
    doc.min_gen = minGen;
    const data = Buffer.from(`${JSON.stringify(doc)}\n`, 'utf8');
    const tmp = join(dirname(this.#path), `.tmp-${randomBytes(6).toString('hex')}`);
    let fd = -1;
    try {
      fd = openSync(tmp, 'wx', 0o600);
      writeSync(fd, data);
      fsyncSync(fd);
      closeSync(fd);
      fd = -1;
      renameSync(tmp, this.#path);
    } catch (e) {
      if (fd >= 0) closeSync(fd);
      try { unlinkSync(tmp); } catch { /* never created, or already renamed */ }
      throw new StateError(`write ${basename(this.#path)}: ${e.code ?? e.message}`);
    }
    this.#written = this.#seen;
  }
}
