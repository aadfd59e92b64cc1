"""Client: the online calls of a verifier (POST /v1/codes/refresh, POST /v1/activations, GET
/v1/revocations). Nothing fetched is trusted as fetched: a code goes through Verifier.check, a list is
verified with the local key ring."""

from __future__ import annotations

import dataclasses
import json
import urllib.error
import urllib.request
from typing import Dict, Optional, Tuple, Union

from ._claims import RevocationList
from ._deployment import Deployment, DeploymentValueError
from ._errors import DeploymentError, StaleListError, VerificationError
from ._keyring import Keyring
from ._verifier import (MAX_REVOCATION_LIST_SIZE, append_revocations, parse_revocations,
                        revocations_compact_due)

_MAX_ANSWER = MAX_REVOCATION_LIST_SIZE
_MAX_ERROR_ANSWER = 64 << 10


class OnlineError(Exception):
    """The server could not be reached or refused the request: check the code already held, offline."""


class ServerError(OnlineError):
    """The server answered with an error: ``status`` (HTTP), ``code`` (its stable error code, such as
    ``not_found`` or ``marketplace_unavailable``) and ``message``."""

    def __init__(self, path: str, status: int, code: str = "", message: str = ""):
        self.path, self.status, self.code, self.message = path, status, code, message
        super().__init__("%s: %s (%s)" % (path, message, code) if code else "%s: HTTP %d" % (path, status))


class TooLargeError(Exception):
    """An answer larger than the largest list a verifier accepts: never read in part, and not an
    OnlineError, so it is never taken for "not fetched"."""


@dataclasses.dataclass(frozen=True)
class CodeResponse:
    """The answer of refresh and activate. expires_at is RFC 3339 UTC, or None for no end."""

    code: str
    license_id: str
    generation: int
    status: str
    expires_at: Optional[str]


_DeploymentArg = Union[None, Deployment, str, Dict[str, object]]


def _body(code: str, deployment: _DeploymentArg) -> Dict[str, object]:
    body: Dict[str, object] = {"code": code.strip()}
    if deployment is not None and deployment != "":
        try:
            body["deployment"] = Deployment.of(deployment).to_dict()  # type: ignore[arg-type]
        except DeploymentValueError as e:
            raise DeploymentError(str(e)) from None
    return body


def _printable(s: object, n: int) -> str:
    if not isinstance(s, str):
        return ""
    return "".join(c if c.isprintable() else "?" for c in s[:n])


class Client:
    """Calls a licentia server at base_url (https://, or http:// for a test server)."""

    def __init__(self, base_url: str, *, timeout: float = 10.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def refresh(self, code: Union[str, bytes], deployment: _DeploymentArg = None) -> str:
        """Trades any genuine code of a license for its current code (after a renewal or a reissue).
        With ``deployment`` (a Deployment, its dict form, or a str for the id alone) the request names
        this installation ({"id": ..., "components": {...}}) and the answer is bound to it. Check the
        answer with Verifier.check (with the same deployment) before using it. An invalid deployment
        raises DeploymentError and is never sent."""
        if isinstance(code, bytes):
            code = code.decode("utf-8", "replace")
        return self._post_code("/v1/codes/refresh", _body(code, deployment)).code

    def activate(self, market_code: str, deployment: _DeploymentArg = None) -> CodeResponse:
        """Exchanges a KooGallery License 2.0 code for licentia's offline code (POST /v1/activations),
        naming this installation as refresh does when ``deployment`` is given."""
        return self._post_code("/v1/activations", _body(market_code, deployment))

    def revocations(self, keyring: Keyring) -> Tuple[RevocationList, bytes]:
        """Fetches the signed revocation list and verifies it with keyring; returns it and its bytes
        (to keep in a file for the next offline check)."""
        data = self._do(urllib.request.Request(self.base_url + "/v1/revocations"))
        return parse_revocations(keyring, data), data

    def update_revocations(self, keyring: Keyring,
                           doc: Union[None, str, bytes] = None) -> Tuple[RevocationList, bytes]:
        """Brings the revocation document doc (one an earlier call returned, kept in a file say; None or
        empty for none) up to date; returns the list it amounts to and the new document, to keep for the
        next call and for offline checks (parse_revocations reads it). With a readable document it asks
        GET /v1/revocations?since=<the document's iat> and appends the answer (append_revocations); it
        fetches the whole list instead when there is no readable document, when the delta does not append
        (a gap, a bad signature) and when the document is due for compaction (revocations_compact_due).

        An answer older than doc's list (a server replica that lags) raises StaleListError: keep doc and
        use its list. OnlineError: keep doc, check offline. TooLargeError, or the errors of
        parse_revocations when the server's whole list is not genuine."""
        try:
            held = parse_revocations(keyring, doc) if doc else None
        except VerificationError:
            held = None
        if held is not None:
            data = self._do(urllib.request.Request("%s/v1/revocations?since=%d" % (self.base_url, held.issued_at)))
            try:
                nxt, lst = append_revocations(keyring, doc, data)
            except StaleListError:
                raise
            except VerificationError:
                pass
            else:
                if not revocations_compact_due(nxt):
                    return lst, nxt
        data = self._do(urllib.request.Request(self.base_url + "/v1/revocations"))
        nxt, lst = append_revocations(keyring, doc, data)
        return lst, nxt

    def _post_code(self, path: str, body: dict) -> CodeResponse:
        req = urllib.request.Request(self.base_url + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        data = self._do(req)
        try:
            ans = json.loads(data)
            code = ans["code"]
            if not isinstance(code, str) or not code:
                raise ValueError
        except (ValueError, KeyError, TypeError):
            raise OnlineError("%s: the answer carries no code" % path) from None
        exp = ans.get("expires_at")
        gen = ans.get("generation")
        return CodeResponse(code=code, license_id=_printable(ans.get("license_id"), 128),
                            generation=gen if isinstance(gen, int) and not isinstance(gen, bool) else 0,
                            status=_printable(ans.get("status"), 32), expires_at=exp if isinstance(exp, str) else None)

    def _do(self, req: urllib.request.Request) -> bytes:
        path = urllib.request.urlparse(req.full_url).path
        try:
            resp = urllib.request.urlopen(req, timeout=self.timeout)
        except urllib.error.HTTPError as e:
            data = e.read(_MAX_ERROR_ANSWER)
            e.close()
            err = ServerError(path, e.code)
            try:
                body = json.loads(data)["error"]
                err = ServerError(path, e.code, _printable(body.get("code"), 64), _printable(body.get("message"), 300))
            except (ValueError, KeyError, TypeError, AttributeError):
                pass
            raise err from None
        except (OSError, ValueError) as e:  # URLError, timeouts, refused connections, bad URLs
            raise OnlineError("%s: %s" % (path, e)) from None
        with resp:
            if resp.status != 200:
                raise ServerError(path, resp.status)
            length = resp.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > _MAX_ANSWER:
                raise TooLargeError("%s: %s bytes, more than %d" % (path, length, _MAX_ANSWER))
            try:
                data = resp.read(_MAX_ANSWER + 1)
            except OSError as e:
                raise OnlineError("%s: %s" % (path, e)) from None
        if len(data) > _MAX_ANSWER:
            raise TooLargeError("%s: more than %d bytes" % (path, _MAX_ANSWER))
        return data
