"""A small OAuth2 authorization server on 127.0.0.1 for the tests: the authorization
endpoint (which "consents" at once and redirects back with a code), the token endpoint
(authorization code with PKCE, refresh tokens that rotate and can be revoked) and an
introspection endpoint the test IMAP server asks about bearer tokens.

It checks what a real provider checks: the client id and secret, that the code belongs to
the redirect URI and the PKCE verifier, that a code and a rotated refresh token are used
once. ``mode`` makes it misbehave on purpose ("oversize", "server_error", "slow_invalid").
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

CLIENT_ID = "tickets-client"
CLIENT_SECRET = "tickets-client-secret-7f3a"
USER = "support@tickets.example"


class Provider:
    def __init__(self, access_lifetime: int = 3600) -> None:
        self.access_lifetime = access_lifetime
        self.codes: dict[str, dict] = {}
        self.access: dict[str, tuple[str, float]] = {}  # token -> (user, expires)
        self.refresh: dict[str, str] = {}  # token -> user
        self.refresh_count = 0
        self.introspections = 0
        self.token_requests: list[dict] = []
        self.mode = ""
        self.delay = 0.0
        self.lock = threading.Lock()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                provider.handle_get(self)

            def do_POST(self):
                provider.handle_post(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def authorize_url(self) -> str:
        return f"{self.base}/authorize"

    @property
    def token_url(self) -> str:
        return f"{self.base}/token"

    def revoke_all(self) -> None:
        with self.lock:
            self.refresh.clear()
            self.access.clear()

    def valid(self, token: str) -> str | None:
        with self.lock:
            user, expires = self.access.get(token, (None, 0))
        return user if user and expires > time.time() else None

    # -- HTTP ---------------------------------------------------------------------------

    def _send(self, handler, status: int, payload, headers=()):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)

    def handle_get(self, handler) -> None:
        parts = urlsplit(handler.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        if parts.path == "/authorize":
            if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
                return self._send(handler, 400, {"error": "invalid_request"})
            if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
                return self._send(handler, 400, {"error": "invalid_request"})
            code = secrets.token_urlsafe(16)
            with self.lock:
                self.codes[code] = {
                    "redirect_uri": query["redirect_uri"],
                    "challenge": query["code_challenge"],
                    "scope": query.get("scope", ""),
                    "user": query.get("login_hint") or USER,
                }
            location = (
                query["redirect_uri"]
                + "?"
                + urlencode({"code": code, "state": query.get("state", "")})
            )
            handler.send_response(302)
            handler.send_header("Location", location)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return None
        if parts.path == "/introspect":
            self.introspections += 1
            user = self.valid(query.get("token", ""))
            return self._send(handler, 200 if user else 401, {"active": bool(user), "user": user})
        return self._send(handler, 404, {"error": "not_found"})

    def handle_post(self, handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(handler.rfile.read(length).decode()).items()}
        with self.lock:
            self.token_requests.append(form)
        if self.delay:
            time.sleep(self.delay)
        if self.mode == "oversize":
            return self._send(handler, 200, b'{"access_token": "' + b"x" * (2 << 20) + b'"}')
        if self.mode == "server_error":
            return self._send(handler, 503, {"error": "temporarily_unavailable"})
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return self._send(handler, 401, {"error": "invalid_client"})
        grant = form.get("grant_type")
        with self.lock:
            if grant == "authorization_code":
                entry = self.codes.pop(form.get("code", ""), None)
                verifier = form.get("code_verifier", "")
                challenge = (
                    base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                    .rstrip(b"=")
                    .decode()
                )
                if (
                    entry is None
                    or entry["redirect_uri"] != form.get("redirect_uri")
                    or entry["challenge"] != challenge
                ):
                    return self._send(handler, 400, {"error": "invalid_grant"})
                user = entry["user"]
            elif grant == "refresh_token":
                user = self.refresh.pop(form.get("refresh_token", ""), None)
                if user is None:
                    return self._send(
                        handler,
                        400,
                        {"error": "invalid_grant", "error_description": "The grant was revoked."},
                    )
                self.refresh_count += 1
            else:
                return self._send(handler, 400, {"error": "unsupported_grant_type"})
            access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
            self.access[access] = (user, time.time() + self.access_lifetime)
            self.refresh[refresh] = user
        return self._send(
            handler,
            200,
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": self.access_lifetime,
                "refresh_token": refresh,
            },
        )
