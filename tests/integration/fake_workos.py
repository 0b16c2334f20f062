"""A stand-in for the WorkOS API on 127.0.0.1, for the integration tests.

It serves the JWKS and (later) the user-management endpoints, counts every
call, and can be told to fail in the ways the real service might.
"""
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeWorkOS:
    def __init__(self, client_id):
        self.client_id = client_id
        self.keys = []          # list of tokens.SigningKey served in the JWKS
        self.jwks_mode = "ok"   # ok | down | garbage | slow | huge | truncated
        self.delay = 0.0        # seconds a "slow" endpoint waits
        self.calls = Counter()  # path -> count
        self.lock = threading.Lock()
        self.requests = []      # (method, path, headers, body)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        # httpd hanging up on a deliberately slow answer is expected
        self.server.handle_error = lambda request, address: None
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
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

    def jwks_document(self):
        return json.dumps({"keys": [k.jwk() for k in self.keys]}).encode()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, status, body, ctype="application/json"):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                path = self.path.split("?", 1)[0]
                with fake.lock:
                    fake.calls[path] += 1
                if path == fake.jwks_path:
                    return self._jwks()
                self._send(404, b'{"message":"not found"}')

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
