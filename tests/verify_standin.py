# SPDX-License-Identifier: MIT
"""Stand-ins for VIES (REST) and HMRC's "Check a UK VAT number" API v2.

One HTTP server on 127.0.0.1 (a free port), standard library only, that
answers as the services are documented (docs/verification.md cites the
sources) and as they fail.  What it answers for a number is set by the
test: `server.vies[number] = "valid"` (the digits after the prefix),
`server.hmrc[vrn] = "NOT_FOUND"`.  Every request is kept in
`server.requests` as (service, path, headers, body).

VIES behaviours: valid, invalid; each error code (MS_UNAVAILABLE, TIMEOUT,
SERVICE_UNAVAILABLE, MS_MAX_CONCURRENT_REQ, GLOBAL_MAX_CONCURRENT_REQ,
INVALID_INPUT, INVALID_REQUESTER_INFO), some as userError beside
"valid": false with HTTP 200 (as VIES answers an unavailable member
state), some as errorWrappers with HTTP 4xx/5xx; http500 (HTML), http429
(Retry-After: 120), slow (held until release()), malformed (broken JSON),
html (HTTP 200, text/html), redirect (a loop), other (about another
number).

HMRC behaviours: valid, NOT_FOUND (404), INVALID_REQUEST (400), http429,
http503, MATCHING_RESOURCE_NOT_FOUND (404 from the platform, not about
the number), slow.  The token endpoint wants client id CLIENT and secret
SECRET (settable), grant_type client_credentials and scope read:vat.
"""
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# How each VIES error code is answered: (HTTP status, shape).
VIES_ERRORS = {
    "MS_UNAVAILABLE": (200, "userError"),
    "TIMEOUT": (200, "userError"),
    "SERVICE_UNAVAILABLE": (500, "wrappers"),
    "MS_MAX_CONCURRENT_REQ": (200, "userError"),
    "GLOBAL_MAX_CONCURRENT_REQ": (500, "wrappers"),
    "INVALID_INPUT": (400, "wrappers"),
    "INVALID_REQUESTER_INFO": (200, "userError"),
}
LOOKUP = "/organisations/vat/check-vat-number/lookup/"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def answer(self, status, body, ctype="application/json", extra=None):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def json(self, status, obj, extra=None, ctype="application/json"):
        self.answer(status, json.dumps(obj), ctype, extra)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n).decode() if n else ""

    def do_POST(self):
        srv = self.server.owner
        body = self.body()
        if self.path == "/vies/check-vat-number" or self.path.startswith("/vies/loop"):
            srv.record("vies", self.path, self.headers, body)
            return self.vies(srv, body)
        if self.path == "/oauth/moved":  # to the real endpoint, body and all
            srv.record("moved", self.path, self.headers, body)
            return self.answer(307, "", "text/plain", {"Location": "/oauth/token"})
        if self.path == "/oauth/token":
            srv.record("token", self.path, self.headers, body)
            form = urllib.parse.parse_qs(body)
            ok = (form.get("grant_type") == ["client_credentials"]
                  and form.get("client_id") == [srv.client_id]
                  and form.get("client_secret") == [srv.client_secret]
                  and form.get("scope") == ["read:vat"])
            if ok:
                return self.json(200, {"access_token": srv.token, "token_type": "bearer",
                                       "expires_in": 14400, "scope": "read:vat"})
            return self.json(401, {"error": "invalid_client",
                                   "error_description": "invalid client credentials"})
        self.json(404, {"code": "MATCHING_RESOURCE_NOT_FOUND",
                        "message": "A resource with the name in the request can not be found"})

    def vies(self, srv, body):
        if self.path.startswith("/vies/loop"):
            return self.answer(302, "", "text/plain", {"Location": self.path})
        try:
            req = json.loads(body)
        except ValueError:
            return self.json(400, {"actionSucceed": False, "errorWrappers": [
                {"error": "INVALID_INPUT", "message": "not JSON"}]})
        cc, num = req.get("countryCode", ""), req.get("vatNumber", "")
        what = srv.vies.get(num, "invalid")
        requester = req.get("requesterNumber")
        common = {"countryCode": cc, "vatNumber": num, "requestDate": "2026-12-03+01:00"}
        if what == "valid":
            out = dict(common, valid=True, userError="VALID",
                       name=f"TRADER {num}", address=f"STREET 1\n10115 CITY {num}")
            if requester:
                out["requestIdentifier"] = f"WAPI{num}"
            return self.json(200, out)
        if what == "invalid":
            return self.json(200, dict(common, valid=False, userError="INVALID",
                                       name="---", address="---"))
        if what in VIES_ERRORS:
            status, shape = VIES_ERRORS[what]
            if shape == "userError":
                return self.json(status, dict(common, valid=False, userError=what,
                                              name="---", address="---"))
            return self.json(status, {"actionSucceed": False, "errorWrappers": [
                {"error": what, "message": f"{what} from the stand-in"}]})
        return self.common(srv, what, common)

    def common(self, srv, what, common):
        if what == "http500":
            return self.answer(500, "<html><body>Internal error</body></html>", "text/html")
        if what == "http503":
            return self.json(503, {"code": "SERVER_ERROR", "message": "down"})
        if what == "http429":
            return self.json(429, {"code": "MESSAGE_THROTTLED_OUT",
                                   "message": "too many requests"}, {"Retry-After": "120"})
        if what == "slow":
            srv.released.wait(60)
            return self.json(200, dict(common, valid=True))
        if what == "malformed":
            return self.answer(200, '{"valid": tru', "application/json")
        if what == "html":
            return self.answer(200, "<html>maintenance</html>", "text/html")
        if what == "other":
            return self.json(200, dict(common, vatNumber="999999999", valid=True))
        return self.json(500, {"error": f"the stand-in has no behaviour {what}"})

    def do_GET(self):
        srv = self.server.owner
        if self.path.startswith("/vies/loop"):  # curl turns a redirected POST into GET
            srv.record("vies", self.path, self.headers, "")
            return self.answer(302, "", "text/plain", {"Location": self.path})
        if not self.path.startswith(LOOKUP):
            srv.record("other", self.path, self.headers, "")
            return self.json(404, {"code": "MATCHING_RESOURCE_NOT_FOUND",
                                   "message": "A resource with the name in the request "
                                              "can not be found in the API"})
        srv.record("hmrc", self.path, self.headers, "")
        if self.headers.get("Authorization") != f"Bearer {srv.token}":
            return self.json(401, {"code": "MISSING_CREDENTIALS",
                                   "message": "Authentication information is not provided"})
        if self.headers.get("Accept") != "application/vnd.hmrc.2.0+json":
            return self.json(406, {"code": "ACCEPT_HEADER_INVALID",
                                   "message": "The accept header is missing or invalid"})
        parts = self.path[len(LOOKUP):].split("/")
        target, requester = parts[0], (parts[1] if len(parts) > 1 else None)
        what = srv.hmrc.get(target, "NOT_FOUND")
        if what == "valid":
            out = {"target": {"name": f"UK TRADER {target}", "vatNumber": target,
                              "address": {"line1": "1 HIGH STREET", "line2": "LONDON",
                                          "postcode": "SW1A 1AA", "countryCode": "GB"}},
                   "processingDate": "2026-12-03T10:00:00+00:00"}
            if requester:
                out["requester"] = requester
                out["consultationNumber"] = f"HMRC-{target}"
            return self.json(200, out)
        if what == "NOT_FOUND":
            return self.json(404, {"code": "NOT_FOUND",
                                   "message": "targetVrn does not match a registered company"})
        if what == "INVALID_REQUEST":
            return self.json(400, {"code": "INVALID_REQUEST",
                                   "message": "Invalid targetVrn - Vrn parameters should "
                                              "be 9 or 12 digits"})
        if what == "MATCHING_RESOURCE_NOT_FOUND":
            return self.json(404, {"code": "MATCHING_RESOURCE_NOT_FOUND",
                                   "message": "A resource with the name in the request "
                                              "can not be found in the API"})
        return self.common(srv, what, {"target": {"vatNumber": target}})


class StandIn:
    """The server, serving from a thread until close()."""

    def __init__(self):
        self.vies, self.hmrc = {}, {}
        self.requests = []
        self.client_id, self.client_secret, self.token = "CLIENT", "SECRET", "tok-1"
        self.released = threading.Event()
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self
        # A client that gave up (the slow answer) is expected: no traceback.
        self.httpd.handle_error = lambda request, address: None
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def record(self, service, path, headers, body):
        with self.lock:
            self.requests.append((service, path, dict(headers), body))

    def asked(self, service):
        with self.lock:
            return [r for r in self.requests if r[0] == service]

    def release(self):
        self.released.set()

    def close(self):
        self.release()
        self.httpd.shutdown()
        self.httpd.server_close()
