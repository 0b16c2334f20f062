# SPDX-License-Identifier: Apache-2.0
"""A stand-in for the WorkOS API on 127.0.0.1, for the integration tests.

It serves the JWKS and (later) the user-management endpoints, counts every
call, and can be told to fail in the ways the real service might.
"""
import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import fake_fga
import tokens


EVENTS_RETENTION = 30 * 24 * 3600   # WorkOS keeps events 30 days


def iso(t):
    """WorkOS's timestamps: ISO 8601, milliseconds, Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + \
        f".{int(t * 1000) % 1000:03d}Z"


def parse_iso(v):
    import datetime
    return datetime.datetime.fromisoformat(v.replace("Z", "+00:00")) \
        .timestamp()


def _x5c(key):
    """x5c and x5t#S256 of a signing key, as WorkOS's JWKS carries them: a
    self-signed certificate of the key (made once per key)."""
    cert = getattr(key, "_x5c", None)
    if cert is None:
        import datetime
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.x509.oid import NameOID
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, key.kid)])
        now = datetime.datetime.now(datetime.timezone.utc)
        der = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
               .public_key(key.private.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(days=1))
               .not_valid_after(now + datetime.timedelta(days=365))
               .sign(key.private, hashes.SHA256())
               .public_bytes(serialization.Encoding.DER))
        cert = {"x5c": [base64.b64encode(der).decode()],
                "x5t#S256": base64.urlsafe_b64encode(
                    hashlib.sha256(der).digest()).rstrip(b"=").decode()}
        key._x5c = cert
    return cert


class _Server(ThreadingHTTPServer):
    # many httpd workers call at once: socketserver's backlog of 5 drops
    # connections, which httpd then sees as timeouts
    request_queue_size = 256


class FakeWorkOS:
    def __init__(self, client_id, tls=None, port=0):
        self.client_id = client_id
        self.keys = []          # list of tokens.SigningKey served in the JWKS
        self.jwks_mode = "ok"   # ok | down | garbage | slow | huge | truncated
        self.delay = 0.0        # seconds a "slow" endpoint waits
        self.calls = Counter()  # path -> count
        self.lock = threading.Lock()
        self.requests = []      # (method, path, headers, body)
        # every request with its answer, for checking both against WorkOS's
        # API description (openapi.py): dicts of method, target (path and
        # query as sent), headers, body; status, answer_headers, answer
        self.exchanges = []
        self.api_key = None     # expected client_secret, when set
        # sign-in state: who signs in next, codes and refresh tokens issued
        self.user = {"object": "user", "id": "user_01ALICE",
                     "email": "alice@example.com", "first_name": "Alice",
                     "last_name": "Liddell", "email_verified": True,
                     "profile_picture_url": None, "external_id": None,
                     "last_sign_in_at": "2026-01-01T00:00:00.000Z",
                     "created_at": "2026-01-01T00:00:00.000Z",
                     "updated_at": "2026-01-01T00:00:00.000Z"}
        self.memberships = {"org_01ACME": "member", "org_01OTHER": "admin"}
        self.org = "org_01ACME"
        self.token_lifetime = 300
        self.codes = {}          # code -> (challenge, org)
        self.refresh_tokens = {} # token -> {"org", "used"}
        self.auth_mode = "ok"    # ok | down | garbage | slow
        self.sessions_seen = 0
        # extra endpoints a test adds: (method, path) -> fn(handler, body)
        # returning (status, dict); the call is counted like any other
        self.routes = {}
        self.user_sessions = {}  # user id -> [session objects]
        self.revoked = []        # session ids revoked through the API
        # Events API: events as WorkOS lists them, oldest first
        self.events = []
        self.events_mode = "ok"  # ok | down | garbage | truncated | huge
                                 # | slow | forbidden
        self.events_queries = [] # each GET /events's arguments (lists)
        self.event_seq = 0
        # organisation id -> error code a refresh into it (a switch) answers
        # with (a member whose organisation wants SSO or MFA:
        # "sso_required", ...); refresh_error: what a plain refresh answers
        self.org_errors = {}
        self.refresh_error = None
        # organisation id -> claims its access tokens carry instead of
        # tokens.claims' defaults (None drops a claim)
        self.org_claims = {}
        # whether GET /user_management/organization_memberships answers,
        # as WorkOS does (off: 404, so a test can see the module fall back
        # to asking WorkOS's refresh)
        self.memberships_api = True
        self.authorize_args = []  # the query of every authorize request
        self.retry_after = None   # Retry-After sent with auth_mode 429
        self.sessions_page_size = None  # smaller pages than limit asks
        self.fga = fake_fga.FakeFGA(self)  # the Authorization API
        self.server = _Server(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        # httpd hanging up on a deliberately slow answer is expected
        self.server.handle_error = lambda request, address: None
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        if tls:
            # tls: an ssl.SSLContext holding the server's certificate
            self.server.socket = tls.wrap_socket(self.server.socket,
                                                 server_side=True)
            self.base = f"https://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)

    @property
    def jwks_path(self):
        return f"/sso/jwks/{self.client_id}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def count(self, path):
        with self.lock:
            return self.calls[path]

    @property
    def issuer(self):
        return f"{self.base}/user_management/{self.client_id}"

    def issue_session(self, org):
        """An authenticate answer, as WorkOS sends it (snake_case)."""
        with self.lock:
            self.sessions_seen += 1
            n = self.sessions_seen
        key = self.keys[0]
        claims = tokens.claims(self.issuer, sub=self.user["id"],
                               lifetime=self.token_lifetime,
                               sid=f"session_{n:04d}", org_id=org,
                               role=self.memberships.get(org, "member"),
                               roles=[self.memberships.get(org, "member")],
                               **self.org_claims.get(org, {}))
        rt = "rt_" + secrets.token_urlsafe(24)
        now = time.time()
        session = {"object": "session", "id": claims["sid"],
                   "user_id": self.user["id"], "status": "active",
                   "auth_method": "password", "ip_address": "127.0.0.1",
                   "user_agent": "test", "expires_at": iso(now + 30 * 86400),
                   "ended_at": None, "created_at": iso(now),
                   "updated_at": iso(now)}
        answer = {"user": self.user, "access_token": tokens.mint(key, claims),
                  "refresh_token": rt, "authentication_method": "Password"}
        # WorkOS's description: a string when the session has an
        # organisation, absent (never null) when it has none
        if org is not None:
            session["organization_id"] = org
            answer["organization_id"] = org
        with self.lock:
            self.refresh_tokens[rt] = {"org": org, "used": False}
            self.user_sessions.setdefault(self.user["id"], []).append(
                session)
        return answer

    def emit(self, name, data, created=None):
        """An event appears at WorkOS; its id sorts after every earlier
        one, as WorkOS's do."""
        with self.lock:
            self.event_seq += 1
            t = time.time() if created is None else created
            ev = {"object": "event",
                  "id": f"event_{int(time.time() * 1000):014d}"
                        f"{self.event_seq:06d}",
                  "event": name, "data": data, "created_at": iso(t),
                  "_t": t}
            self.events.append(ev)
            self.events.sort(key=lambda e: e["_t"])
        return ev["id"]

    def list_events(self, args):
        """GET /events: (status, answer). events (optional) filters by
        type, one comma-separated value as WorkOS's description has it
        (style form, explode false; `events[]` is no parameter of WorkOS's
        and filters nothing); after is an event id WorkOS still keeps;
        range_start an ISO time; limit 1..100 (10 by default); oldest
        first."""
        kinds = [k for v in args.get("events") or [] for k in v.split(",")
                 if k]
        try:
            limit = int((args.get("limit") or ["10"])[0])
        except ValueError:
            limit = 0
        if not 1 <= limit <= 100:
            return 422, {"message": "Validation failed.",
                         "errors": [{"code": "invalid", "field": "limit"}]}
        now = time.time()
        with self.lock:
            kept = [e for e in self.events
                    if now - e["_t"] <= EVENTS_RETENTION]
        after = (args.get("after") or [None])[0]
        if after:
            ids = [e["id"] for e in kept]
            if after not in ids:
                return 400, {"message": "unknown or expired cursor"}
            kept = kept[ids.index(after) + 1:]
        elif args.get("range_start"):
            start = parse_iso(args["range_start"][0])
            kept = [e for e in kept if e["_t"] >= start]
        page = [{k: v for k, v in e.items() if k != "_t"}
                for e in kept if not kinds or e["event"] in kinds][:limit]
        return 200, {"object": "list", "data": page,
                     "list_metadata": {"before": None, "after":
                                       page[-1]["id"] if page else None}}

    def jwks_document(self):
        return json.dumps({"keys": [dict(k.jwk(), **_x5c(k))
                                    for k in self.keys]}).encode()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _record(self, status, headers, body):
                method, target, req_headers, req_body = getattr(
                    self, "_req", (None, None, {}, b""))
                with fake.lock:
                    fake.exchanges.append(
                        {"method": method, "target": target,
                         "headers": req_headers, "body": req_body,
                         "status": status, "answer_headers": headers,
                         "answer": body})

            def _send(self, status, body, ctype="application/json",
                      headers=None):
                headers = dict(headers or {}, **{"Content-Type": ctype})
                self._record(status, headers, body)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                self._req = ("GET", self.path, dict(self.headers), b"")
                path, _, query = self.path.partition("?")
                with fake.lock:
                    fake.calls[path] += 1
                args = dict(urllib.parse.parse_qsl(query))
                if ("GET", path) in fake.routes:
                    return self._route("GET", path, b"")
                if path == fake.jwks_path:
                    return self._jwks()
                if path == "/events":
                    return self._events(query)
                if path == "/user_management/authorize":
                    return self._authorize(args)
                if path == "/user_management/sessions/logout":
                    return self._redirect(args.get("return_to", "/"))
                if path == "/user_management/organization_memberships" \
                        and fake.memberships_api:
                    return self._list_memberships(
                        urllib.parse.parse_qs(query))
                if path.startswith("/user_management/users/") and \
                        path.endswith("/sessions"):
                    return self._list_sessions(path.split("/")[3], args)
                self._send(404, b'{"message":"not found"}')

            def do_POST(self):
                path = self.path.split("?", 1)[0]
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                self._req = ("POST", self.path, dict(self.headers), body)
                with fake.lock:
                    fake.calls[path] += 1
                    fake.requests.append(("POST", path, dict(self.headers),
                                          body))
                if ("POST", path) in fake.routes:
                    return self._route("POST", path, body)
                if fake.fga.owns(path):
                    return fake.fga.serve(self, path, body)
                if path == "/user_management/authenticate":
                    return self._authenticate(body)
                if path == "/user_management/sessions/revoke":
                    return self._revoke_session(body)
                self._send(404, b'{"message":"not found"}')

            def _authorized(self):
                return (fake.api_key is None or self.headers.get(
                    "Authorization") == f"Bearer {fake.api_key}")

            def _list_sessions(self, uid, args=None):
                """WorkOS's list pagination: limit (at most 100, or the
                fake's sessions_page_size), the after cursor (an id), and
                list_metadata.after when more follow."""
                if not self._authorized():
                    return self._unauthorized()
                args = args or {}
                limit = min(int(args.get("limit") or 10), 100,
                            fake.sessions_page_size or 100)
                with fake.lock:
                    data = [s for s in fake.user_sessions.get(uid, [])
                            if s["id"] not in fake.revoked]
                after = args.get("after")
                if after:
                    ids = [s["id"] for s in data]
                    data = data[ids.index(after) + 1:] if after in ids else []
                page, more = data[:limit], len(data) > limit
                self._send(200, json.dumps(
                    {"object": "list", "data": page,
                     "list_metadata": {"before": None,
                                       "after": page[-1]["id"] if more
                                       else None}}).encode())

            def _list_memberships(self, args):
                """The user's organisation memberships (user_id required):
                one per organisation in fake.memberships, for fake.user."""
                if not self._authorized():
                    return self._unauthorized()
                uid = (args.get("user_id") or [None])[0]
                if not uid:
                    return self._send(422, json.dumps(
                        {"code": "invalid_request_parameters",
                         "message": "user_id is required"}).encode())
                limit = min(int((args.get("limit") or ["10"])[0]), 100)
                with fake.lock:
                    orgs = list(fake.memberships.items()) \
                        if uid == fake.user["id"] else []
                user = fake.user if uid == fake.user["id"] else None
                data = [{"object": "organization_membership",
                         "id": f"om_{i:04d}", "user_id": uid,
                         "organization_id": org, "role": {"slug": role},
                         "status": "active", "directory_managed": False,
                         "user": user,
                         "created_at": "2026-01-01T00:00:00.000Z",
                         "updated_at": "2026-01-01T00:00:00.000Z"}
                        for i, (org, role) in enumerate(orgs)]
                page, more = data[:limit], len(data) > limit
                self._send(200, json.dumps(
                    {"object": "list", "data": page,
                     "list_metadata": {"before": None,
                                       "after": page[-1]["id"] if more
                                       else None}}).encode())

            def _revoke_session(self, body):
                if not self._authorized():
                    return self._unauthorized()
                sid = json.loads(body or b"{}").get("session_id")
                with fake.lock:
                    fake.revoked.append(sid)
                self._send(200, b"{}")

            def _route(self, method, path, body):
                """A route returns (status, dict|bytes) or (status, bytes,
                headers): with headers, e.g. an HTML page or a redirect."""
                out = fake.routes[(method, path)](self, body)
                status, answer = out[0], out[1]
                headers = out[2] if len(out) > 2 else {}
                payload = answer if isinstance(answer, bytes) \
                    else json.dumps(answer).encode()
                self._record(status, dict(headers, **{
                    "Content-Type": headers.get("Content-Type",
                                                "application/json")}),
                             payload)
                self.send_response(status)
                self.send_header("Content-Type", headers.pop(
                    "Content-Type", "application/json"))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _redirect(self, location):
                self._record(302, {"Location": location}, b"")
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _authorize(self, args):
                """AuthKit's hosted page, skipped: the user is signed in at
                once and sent back with a code bound to the challenge."""
                if (args.get("client_id") != fake.client_id
                        or args.get("response_type") != "code"
                        or args.get("code_challenge_method") != "S256"
                        or not args.get("code_challenge")):
                    return self._send(400, b'{"error":"invalid_request"}')
                code = "code_" + secrets.token_urlsafe(16)
                org = args.get("organization_id") or fake.org
                with fake.lock:
                    fake.authorize_args.append(dict(args))
                    fake.codes[code] = (args["code_challenge"], org)
                sep = "&" if "?" in args["redirect_uri"] else "?"
                self._redirect(args["redirect_uri"] + sep + urllib.parse.urlencode(
                    {"code": code, "state": args.get("state", "")}))

            def _unauthorized(self):
                """No or a wrong API key: WorkOS's 401 (which its
                description leaves out of the list endpoints)."""
                self._send(401, b'{"message":"Unauthorized"}')

            def _error(self, status, code, description="", **extra):
                self._send(status, json.dumps(
                    {"error": code, "error_description": description,
                     **extra}).encode())

            def _authenticate(self, body):
                mode = fake.auth_mode
                if mode == "slow":
                    time.sleep(fake.delay)
                if mode == "down":
                    return self._send(500, b'{"message":"down"}')
                if mode == "garbage":
                    return self._send(200, b"{not json")
                if mode in ("429", "408", "503"):
                    # 429: the shape WorkOS's description gives it
                    return self._send(
                        int(mode), b'{"code":"daily_quota_exceeded",'
                        b'"message":"try later"}' if mode == "429"
                        else b'{"message":"try later"}',
                        headers={} if fake.retry_after is None
                        else {"Retry-After": str(fake.retry_after)})
                if self.headers.get("Content-Type", "").split(";")[0] \
                        != "application/json":
                    return self._error(400, "invalid_request", "not JSON")
                try:
                    req = json.loads(body)
                except ValueError:
                    return self._error(400, "invalid_request", "bad JSON")
                if req.get("client_id") != fake.client_id or (
                        fake.api_key and req.get("client_secret") != fake.api_key):
                    return self._error(400, "invalid_client",
                                       "client credentials are invalid")
                grant = req.get("grant_type")
                if grant == "authorization_code":
                    return self._code_grant(req)
                if grant == "refresh_token":
                    return self._refresh_grant(req)
                self._error(400, "invalid_request", "unsupported grant_type")

            def _code_grant(self, req):
                with fake.lock:
                    entry = fake.codes.pop(req.get("code"), None)
                if entry is None:
                    return self._error(400, "invalid_grant", "unknown or used code")
                challenge, org = entry
                digest = hashlib.sha256(
                    req.get("code_verifier", "").encode()).digest()
                if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != challenge:
                    return self._error(400, "invalid_grant", "PKCE mismatch")
                self._send(200, json.dumps(fake.issue_session(org)).encode())

            def _refresh_grant(self, req):
                with fake.lock:
                    entry = fake.refresh_tokens.get(req.get("refresh_token"))
                    if entry is None or entry["used"]:
                        entry = None
                    else:
                        org = req.get("organization_id") or entry["org"]
                        member = org in fake.memberships
                        switching = req.get("organization_id") not in (
                            None, entry["org"])
                        org_error = fake.org_errors.get(org) if switching \
                            else fake.refresh_error
                        # refresh tokens are single-use
                        entry["used"] = member and not org_error
                if entry is None:
                    return self._error(400, "invalid_grant", "refresh token used or unknown")
                # WorkOS's description: 400, OAuth's {error,
                # error_description}; sso_required also names the
                # connections and the user's email
                if member and org_error:
                    extra = {"connection_ids": ["conn_01SSO"],
                             "email": fake.user["email"]} \
                        if org_error == "sso_required" else {}
                    return self._error(400, org_error, org_error, **extra)
                if not member:
                    return self._error(400, "organization_membership_not_found",
                                       "not a member of the organization")
                self._send(200, json.dumps(fake.issue_session(org)).encode())

            def _events(self, query):
                args = urllib.parse.parse_qs(query)
                with fake.lock:
                    fake.events_queries.append(args)
                mode = fake.events_mode
                if mode == "slow":
                    time.sleep(fake.delay)
                if mode == "down":
                    return self._send(503, b'{"message":"down"}')
                if mode == "forbidden":
                    return self._send(403, b'{"message":"forbidden"}')
                if mode == "garbage":
                    return self._send(200, b"<html>not json</html>")
                if mode == "huge":
                    return self._send(200, b'{"data":[' + b" " * 2_000_000
                                      + b"]}")
                if not self._authorized():
                    return self._unauthorized()
                status, answer = fake.list_events(args)
                body = json.dumps(answer).encode()
                if mode == "truncated" and status == 200:
                    body = body[: len(body) // 2]
                self._send(status, body)

            def _jwks(self):
                mode = fake.jwks_mode
                if mode == "slow":
                    time.sleep(fake.delay)
                if mode == "down":
                    return self._send(500, b'{"message":"down"}')
                if mode == "garbage":
                    return self._send(200, b"<html>not json</html>")
                if mode == "huge":
                    return self._send(200, b'{"keys":[' + b" " * 200000
                                      + b"]}")
                body = fake.jwks_document()
                if mode == "truncated":
                    body = body[: len(body) // 2]
                self._send(200, body)

        return Handler
