"""Admin sign-in that a web page from elsewhere cannot use: server-side sessions and CSRF checks.

A session id is random, issued fresh at every sign-in, stored only as its SHA-256
(a copy of the database signs nobody in) and ends at its expiry or at sign-out.
Each session has its own CSRF token that the admin page puts in its forms, and a
state-changing request must also come from this app's own origin by the browser's
`Sec-Fetch-Site` and `Origin` headers. SameSite cookies alone are not enough: the
browser treats another port of the same host as the same site.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from .store import RatingStore

SESSION_SECONDS = 8 * 60 * 60
# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet.
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True)
class AdminSession:
    """A signed-in admin: the id the cookie holds and the CSRF token the forms carry."""

    session_id: str
    csrf: str


class AdminSessions:
    """Open, look up and end admin sessions kept in the ratings database."""

    def __init__(self, store: RatingStore, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    def open(self, replacing: str | None = None) -> AdminSession:
        """A new session; the one `replacing` names (the browser's old cookie) ends now."""
        session = AdminSession(secrets.token_urlsafe(32), secrets.token_urlsafe(32))
        self.store.open_admin_session(
            _digest(session.session_id),
            session.csrf,
            expires_at=self.clock() + SESSION_SECONDS,
            now=self.clock(),
            replacing=_digest(replacing) if replacing and SESSION_ID.match(replacing) else None,
        )
        return session

    def find(self, session_id: str) -> AdminSession | None:
        """The live session with this id; None for a malformed, unknown, ended or expired one."""
        if not SESSION_ID.match(session_id):
            return None
        csrf = self.store.admin_session_csrf(_digest(session_id), now=self.clock())
        return AdminSession(session_id, csrf) if csrf is not None else None

    def close(self, session_id: str) -> None:
        """End a session on the server, so its cookie signs nobody in again."""
        if SESSION_ID.match(session_id):
            self.store.close_admin_session(_digest(session_id))


def csrf_matches(session: AdminSession, sent: str) -> bool:
    """Whether a form carried this session's CSRF token (compared in constant time)."""
    return hmac.compare_digest(session.csrf.encode(), sent.encode("utf-8", "replace"))


def cross_site_reason(headers: Mapping[str, str]) -> str | None:
    """Why a state-changing request did not come from this app's own pages, or None.

    Browsers send `Sec-Fetch-Site` (which must be `same-origin`) and `Origin` (whose
    host and port must be this server's). A page sent with `Referrer-Policy:
    no-referrer` posts `Origin: null`, so a null origin passes only with
    `Sec-Fetch-Site: same-origin`. A client that sends neither header (curl, a
    script) is no browser a page could steer, and still needs the CSRF token.
    """
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site != "same-origin":
        return f"a {fetch_site[:20]} request"
    origin = headers.get("origin")
    if origin is None:
        return None
    if origin == "null":
        return None if fetch_site == "same-origin" else "a request from an opaque origin"
    try:
        netloc = urlsplit(origin).netloc
    except ValueError:
        return "a request with a malformed Origin"
    if netloc.lower() != headers.get("host", "").lower():
        return "a request from another origin"
    return None


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()
