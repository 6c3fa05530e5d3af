"""A real IMAP server (pymap) whose only SASL mechanism is XOAUTH2, checking each bearer
token with the test OAuth2 provider's introspection endpoint.

Run as ``python -m tests.mail.oauth_imap_server PORT USER PASSWORD INTROSPECT_URL``. The
password is only for the test harness, which fills the mailbox with IMAP APPEND through
the LOGIN command; a client that authenticates with SASL can use XOAUTH2 alone. It serves
until its standard input closes.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
import urllib.parse
import urllib.request

from pymap.backend.dict import Identity, Login
from pymap.config import IMAPConfig
from pymap.exceptions import InvalidAuth
from pysasl import SASLAuth
from pysasl.creds.external import ExternalCredentials
from pysasl.mechanism.oauth import OAuth2Mechanism
from pysasl.mechanism.plain import PlainMechanism

from example_site.mailserver import serve


def _watch_stdin() -> None:
    sys.stdin.read()
    os._exit(0)


class OnlyXOAuth2(SASLAuth):
    """Offers XOAUTH2 alone. PLAIN stays known to the server only so that pymap keeps the
    LOGIN command for the harness (it disables LOGIN without PLAIN)."""

    def __init__(self) -> None:
        super().__init__([OAuth2Mechanism(), PlainMechanism()])

    @property
    def server_mechanisms(self):
        return [mech for mech in super().server_mechanisms if mech.name == b"XOAUTH2"]


def install(introspect_url: str) -> None:
    IMAPConfig.tls_auth = property(lambda self: OnlyXOAuth2())
    password_login = Login.authenticate

    async def authenticate(self, credentials):
        if not isinstance(credentials, ExternalCredentials):
            return await password_login(self, credentials)
        query = urllib.parse.urlencode({"token": credentials._token or ""})

        def ask():
            try:
                with urllib.request.urlopen(f"{introspect_url}?{query}", timeout=5) as answer:
                    return json.loads(answer.read())
            except OSError:
                return {}

        answer = await asyncio.get_running_loop().run_in_executor(None, ask)
        if not answer.get("active") or answer.get("user") != credentials.authzid:
            raise InvalidAuth()
        return Identity(credentials.authzid, self, None, frozenset())

    Login.authenticate = authenticate


if __name__ == "__main__":
    threading.Thread(target=_watch_stdin, daemon=True).start()
    port_arg, user_arg, password_arg, introspect = sys.argv[1:5]
    install(introspect)
    asyncio.run(serve(int(port_arg), user_arg, password_arg))
