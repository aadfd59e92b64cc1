// Client: the online calls of a verifier (POST /v1/codes/refresh, POST /v1/activations, GET
// /v1/revocations). Nothing fetched is trusted as fetched: a code goes through Verifier.check, a list is
// verified with the local key ring.

import { Deployment } from './deployment.js';
import { StaleListError, VerificationError } from './errors.js';
import { MAX_REVOCATION_LIST_SIZE, appendRevocations, parseRevocations, revocationsCompactDue } from './verifier.js';

const MAX_ANSWER = MAX_REVOCATION_LIST_SIZE;
const MAX_ERROR_ANSWER = 64 << 10;

/** The server could not be reached or refused the request: check the code already held, offline. */
export class OnlineError extends Error {
  constructor(message) {
    super(message);
    this.name = new.target.name;
  }
}

/** The server answered with an error: status (HTTP), code (its stable error code) and message. */
export class ServerError extends OnlineError {
  constructor(path, status, code = '', message = '') {
    super(code ? `${path}: ${message} (${code})` : `${path}: HTTP ${status}`);
    Object.assign(this, { path, status, code, serverMessage: message });
  }
}

/**
 * An answer larger than the largest list a verifier accepts: never read in part, and not an
 * OnlineError, so it is never taken for "not fetched".
 */
export class TooLargeError extends Error {
  constructor(message) {
    super(message);
    this.name = new.target.name;
  }
}

const printable = (s, n) => (typeof s === 'string' ? s.slice(0, n).replace(/[\p{C}]/gu, '?') : '');

// requestBody is the body of a refresh or an activation: the code, and the deployment (when given) in its
// object form, {"id": ..., "components": {...}}. Deployment.of validates it first: an invalid one throws
// DeploymentError and is never sent.
function requestBody(code, deployment) {
  const body = { code: String(code).trim() };
  if (deployment !== undefined && deployment !== null && deployment !== '') body.deployment = Deployment.of(deployment).toJSON();
  return body;
}

/** Calls a licentia server at baseURL (https://, or http:// for a test server). */
export class Client {
  constructor(baseURL, { timeoutSeconds = 10 } = {}) {
    this.baseURL = String(baseURL).replace(/\/+$/, '');
    this.timeoutSeconds = timeoutSeconds;
  }

  /**
   * refresh trades any genuine code of a license for its current code; check the answer with
   * Verifier.check (with the same deployment). With deployment (a Deployment, its JSON form, or a string
   * for the id alone) the request names this installation and the answer is bound to it; an invalid
   * deployment rejects with DeploymentError and is never sent.
   */
  async refresh(code, deployment) {
    const text = typeof code === 'string' ? code : Buffer.from(code).toString('utf8');
    return (await this.#postCode('/v1/codes/refresh', requestBody(text, deployment))).code;
  }

  /**
   * activate exchanges a KooGallery License 2.0 code for licentia's offline code (POST /v1/activations),
   * naming this installation as refresh does when deployment is given.
   */
  async activate(marketCode, deployment) {
    return this.#postCode('/v1/activations', requestBody(marketCode, deployment));
  }

  /** revocations fetches the signed list and verifies it with keyring: { list, data } (data to keep in a file). */
  async revocations(keyring) {
    const data = await this.#do('/v1/revocations', {});
    return { list: parseRevocations(keyring, data), data };
  }

  /**
   * updateRevocations brings the revocation document doc (one an earlier call returned, kept in a file
   * say; null or empty for none) up to date and resolves to { list, document }: the list it amounts to and
   * the new document (a Buffer), to keep for the next call and for offline checks (parseRevocations reads
   * it). With a readable document it asks GET /v1/revocations?since=<the document's iat> and appends the
   * answer (appendRevocations); it fetches the whole list instead when there is no readable document, when
   * the delta does not append (a gap, a bad signature) and when the document is due for compaction
   * (revocationsCompactDue).
   *
   * An answer older than doc's list (a server replica that lags) rejects with StaleListError: keep doc and
   * use its list. OnlineError: keep doc, check offline. TooLargeError, or the errors of parseRevocations
   * when the server's whole list is not genuine.
   */
  async updateRevocations(keyring, doc = null) {
    let held = null;
    if (doc != null && doc.length > 0) {
      try {
        held = parseRevocations(keyring, doc);
      } catch (e) {
        if (!(e instanceof VerificationError)) throw e;
      }
    }
    if (held) {
      const data = await this.#do(`/v1/revocations?since=${held.issuedAt}`, {});
      try {
        const { document, list } = appendRevocations(keyring, doc, data);
        if (!revocationsCompactDue(document)) return { list, document };
      } catch (e) {
        if (e instanceof StaleListError || !(e instanceof VerificationError)) throw e;
      }
    }
    const { document, list } = appendRevocations(keyring, doc, await this.#do('/v1/revocations', {}));
    return { list, document };
  }

  async #postCode(path, body) {
    const data = await this.#do(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    let ans;
    try {
      ans = JSON.parse(data.toString('utf8'));
    } catch { /* reported below */ }
    if (!ans || typeof ans.code !== 'string' || ans.code === '') throw new OnlineError(`${path}: the answer carries no code`);
    return Object.freeze({
      code: ans.code,
      licenseId: printable(ans.license_id, 128),
      generation: Number.isSafeInteger(ans.generation) ? ans.generation : 0,
      status: printable(ans.status, 32),
      expiresAt: typeof ans.expires_at === 'string' ? ans.expires_at : null,
    });
  }

  async #do(path, init) {
    let resp;
    try {
      resp = await fetch(this.baseURL + path, { ...init, signal: AbortSignal.timeout(this.timeoutSeconds * 1000) });
    } catch (e) {
      throw new OnlineError(`${path}: ${e.cause?.code ?? e.message}`);
    }
    const limit = resp.status === 200 ? MAX_ANSWER : MAX_ERROR_ANSWER;
    const length = Number(resp.headers.get('content-length') ?? NaN);
    if (resp.status === 200 && length > limit) {
      await resp.body?.cancel();
      throw new TooLargeError(`${path}: ${length} bytes, more than ${limit}`);
    }
    const chunks = [];
    let n = 0;
    try {
      for await (const chunk of resp.body ?? []) {
        n += chunk.length;
        if (n > limit) break;
        chunks.push(chunk);
      }
    } catch (e) {
      throw new OnlineError(`${path}: ${e.cause?.code ?? e.message}`);
    }
    if (n > limit && resp.status === 200) throw new TooLargeError(`${path}: more than ${limit} bytes`);
    const data = Buffer.concat(chunks);
    if (resp.status !== 200) {
      let e;
      try {
        e = JSON.parse(data.toString('utf8')).error;
      } catch { /* no error body */ }
      throw new ServerError(path, resp.status, printable(e?.code, 64), printable(e?.message, 300));
    }
    return data;
  }
}
