"""Response headers every page gets, and production mode (``APP_ENV=production``).

Always: pages load nothing from elsewhere and run only our own script (CSP), no framing, no
MIME sniffing; a page shown to a logged-in person is ``Cache-Control: no-store``, so a shared
computer's back button or a proxy never shows it to the next person.

Production mode (docs/security.md): the app refuses to start without ``SECRET_KEY`` (a key
generated on one machine would not be shared by the others, and a lost one logs everyone out);
the session cookie is ``Secure``, ``HttpOnly`` and ``SameSite=Lax``; flask-talisman sends HSTS
on HTTPS requests and redirects plain HTTP to HTTPS (behind a proxy that terminates TLS, wrap
the app in ``ProxyFix`` so ``X-Forwarded-Proto`` counts).
"""
from __future__ import annotations

from flask import Flask, request
from flask_login import current_user
from flask_talisman import Talisman

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
HSTS_SECONDS = 365 * 24 * 3600


def is_production(app: Flask) -> bool:
    return str(app.config.get("APP_ENV") or "").lower() == "production"


def require_secret_key(app: Flask) -> None:
    """Production never runs on a generated key."""
    if is_production(app) and not app.config.get("SECRET_KEY"):
        raise RuntimeError("APP_ENV=production needs SECRET_KEY (the same on every web process).")


def init_app(app: Flask) -> None:
    app.after_request(_security_headers)
    if is_production(app):
        app.config.update(SESSION_COOKIE_SECURE=True, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                          REMEMBER_COOKIE_SECURE=True, REMEMBER_COOKIE_HTTPONLY=True)
        Talisman(app, force_https=app.config.get("FORCE_HTTPS", True), strict_transport_security=True,
                 strict_transport_security_max_age=HSTS_SECONDS, content_security_policy=None,
                 frame_options="DENY", referrer_policy="same-origin", session_cookie_secure=True,
                 session_cookie_samesite="Lax")


def _security_headers(response):
    """Pages load nothing from elsewhere and run only our own script; the API sets its own headers."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not request.path.startswith("/api/"):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        if current_user and current_user.is_authenticated:
            response.headers["Cache-Control"] = "no-store"
    return response
