"""Public pages: home, service guide, certificate verification, language switch."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_login import current_user

from webapp import get_db
from webapp.auth import _safe_next, home_url
from webapp.i18n import LANGS
from workflow.domain import limits
from workflow.domain.matters import ACCEPTANCE_DAYS
from workflow.errors import NotFound
from workflow.services import queries

bp = Blueprint("public", __name__)


def public_matters():
    return list(limits.effective(get_db()).values())


@bp.route("/")
def index():
    if current_user.is_authenticated and request.args.get("home") is None:
        return redirect(home_url(current_user))
    return render_template("public/index.html", matters=public_matters())


@bp.route("/guide")
def guide():
    return render_template("public/guide.html", matters=public_matters())


@bp.route("/guide/<code>")
def guide_matter(code: str):
    matter = limits.effective(get_db()).get(code)
    if matter is None:
        abort(404)
    return render_template("public/guide_matter.html", m=matter, acceptance_days=ACCEPTANCE_DAYS)


@bp.route("/verify")
def verify():
    number = (request.args.get("number") or "").strip()
    if not number:
        return render_template("public/verify.html", number="", cert=None)
    try:
        cert = queries.verify_certificate(get_db(), number=number)
    except NotFound:
        return render_template("public/verify.html", number=number, cert=None, missing=True), 404
    return render_template("public/verify.html", number=number, cert=cert)


@bp.route("/v/<token>")
def verify_token(token: str):
    cert = queries.verify_certificate(get_db(), token=token)
    return render_template("public/verify.html", number=cert.number, cert=cert, by_qr=True)


@bp.route("/lang/<code>", methods=["GET", "POST"])
def set_lang(code: str):
    if code not in LANGS:
        abort(404)
    session["lang"] = code
    target = _safe_next(request.values.get("next")) or _safe_next(_path_of(request.referrer)) or url_for("public.index")
    return redirect(target)


def _path_of(url: str | None) -> str | None:
    if not url:
        return None
    from urllib.parse import urlsplit
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")
