"""A tiny OpenID Connect provider for the sign-in browser test: discovery, an authorize page
where the user types who they are, the token endpoint (authorization code, PKCE S256, client
secret) that returns an RS256 ID token with the nonce, and the key set. Test use only: it trusts
whatever name is typed."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

KEY_ID = "rnnviz-test"


class Provider:
    """The provider, served from a thread on 127.0.0.1 (``url``) until :meth:`close`."""

    def __init__(self, client_id: str, client_secret: str) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.key = RSAKey.generate_key(2048, parameters={"kid": KEY_ID, "use": "sig"})
        self.codes: dict[str, dict[str, Any]] = {}  # code -> what the token endpoint checks
        self.tokens_issued = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "email", "profile"],
        }

    def grant(self, form: dict[str, str]) -> str:
        """A one-time code for the user named in the authorize form."""
        code = secrets.token_urlsafe(16)
        self.codes[code] = form
        return code

    def token(self, form: dict[str, str], basic: tuple[str, str] | None) -> dict[str, Any]:
        """The token reply for a code (ValueError for anything that does not check out)."""
        client = basic or (form.get("client_id", ""), form.get("client_secret", ""))
        if client != (self.client_id, self.client_secret):
            raise ValueError("invalid_client")
        granted = self.codes.pop(form.get("code", ""), None)
        if granted is None or form.get("redirect_uri") != granted["redirect_uri"]:
            raise ValueError("invalid_grant")
        challenge = granted.get("code_challenge")
        if challenge and _s256(form.get("code_verifier", "")) != challenge:
            raise ValueError("invalid_grant: PKCE")
        user = granted["user"].strip().lower()
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": self.client_id,
            "sub": f"sub-{user}",
            "email": f"{user}@example.org",
            "name": user.title(),
            "iat": now,
            "exp": now + 600,
            "nonce": granted.get("nonce", ""),
        }
        self.tokens_issued += 1
        id_token = jwt.encode({"alg": "RS256", "kid": KEY_ID}, claims, self.key)
        return {
            "access_token": secrets.token_urlsafe(16),
            "token_type": "Bearer",
            "expires_in": 600,
            "id_token": id_token,
        }


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


FORM = """<!doctype html><title>Test provider</title><form method="post" action="/authorize">
{hidden}<label>User <input name="user" autofocus></label><button type="submit">Continue</button>
</form>"""
KEPT = ("redirect_uri", "state", "nonce", "code_challenge", "client_id")


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet test output
            return

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/.well-known/openid-configuration":
                self._json(provider.metadata())
            elif url.path == "/jwks":
                self._json({"keys": [provider.key.as_dict(private=False)]})
            elif url.path == "/authorize" and query.get("client_id") == provider.client_id:
                hidden = "".join(
                    f'<input type="hidden" name="{k}" value="{html.escape(query.get(k, ""))}">'
                    for k in KEPT
                )
                self._reply(200, FORM.format(hidden=hidden).encode(), "text/html")
            else:
                self._reply(404, b"not found", "text/plain")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if self.path == "/authorize" and form.get("user", "").strip():
                code = provider.grant(form)
                target = form["redirect_uri"] + "?" + urlencode({"code": code, **_state(form)})
                self.send_response(302)
                self.send_header("Location", target)
                self.end_headers()
            elif self.path == "/token":
                try:
                    self._json(provider.token(form, self._basic()))
                except ValueError as error:
                    self._json({"error": str(error)}, 400)
            else:
                self._reply(400, b"bad request", "text/plain")

        def _basic(self) -> tuple[str, str] | None:
            header = self.headers.get("Authorization", "")
            if not header.startswith("Basic "):
                return None
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            return user, password

        def _json(self, value: Any, status: int = 200) -> None:
            self._reply(status, json.dumps(value).encode(), "application/json")

        def _reply(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def _state(form: dict[str, str]) -> dict[str, str]:
    return {"state": form["state"]} if form.get("state") else {}
