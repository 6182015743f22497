"""Login sessions (flask-login) and the role guard every staff page uses."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user

from webapp import throttle
from webapp.views.common import on_post
from workflow.errors import ValidationError
from workflow.services import accounts, users

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = None


class WebUser(UserMixin):
    """The logged-in person as the services expect an actor (plain attributes, no session)."""

    def __init__(self, row) -> None:
        self.id = row.id
        self.username = row.username
        self.role = row.role
        self.display_name = row.display_name
        self.department_code = row.department_code
        self.organisation_id = row.organisation_id
        org = getattr(row, "organisation", None)
        self.organisation_name = org.name if org is not None else None
        self.organisation_code = org.credit_code if org is not None else None
        self.organisation_area = org.area_code if org is not None else None

    def get_id(self) -> str:
        return str(self.id)


EPOCH = "epoch"


@login_manager.user_loader
def _load(user_id: str):
    """The session's user while the session is still current: logging out (anywhere), a password
    change and deactivation move the user's epoch on, which ends this session server-side."""
    from webapp import get_db
    try:
        row = users.load_user(get_db(), int(user_id))
    except (TypeError, ValueError):
        return None
    if row is None or session.get(EPOCH) != row.session_epoch:
        return None
    return WebUser(row)


def start_session(row) -> None:
    """Log ``row`` in on a fresh session (nothing carried over but the language), remembering the
    epoch the session belongs to."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(WebUser(row))
    session[EPOCH] = row.session_epoch


def roles(*allowed: str):
    """Only these roles may open the page; anyone else gets 403 (anonymous: the login page)."""
    def decorate(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)
        return wrapper
    return decorate


HOME_BY_ROLE = {
    "applicant": "applicant.cases", "window": "window.queue", "reviewer": "staff.inbox",
    "inspector": "staff.inbox", "approver": "staff.inbox", "expert": "staff.inbox",
    "supervisor": "supervisor.dashboard", "auditor": "auditor.search", "admin": "admin.users",
}


def home_url(user) -> str:
    return url_for(HOME_BY_ROLE.get(user.role, "public.index"))


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html", error=None, username="")
    username = (request.form.get("username") or "").strip()
    row, error, headers = _attempt(username, request.form.get("password") or "")
    if row is not None:
        start_session(row)
        return redirect(_safe_next(request.args.get("next")) or home_url(row))
    status = 429 if headers else 401
    return render_template("login.html", error=error, username=username), status, headers


def _attempt(username: str, password: str) -> tuple[object | None, str | None, dict[str, str]]:
    """(user, error message, headers): the throttle first, then the password."""
    from webapp.i18n import gettext as _
    try:
        row = throttle.authenticate(username, password)
    except throttle.Throttled as exc:
        return None, _("Too many failed logins. Try again in {seconds} seconds.", seconds=exc.retry_after), \
            {"Retry-After": str(exc.retry_after)}
    return row, (None if row else _("Wrong username or password.")), {}


@bp.route("/logout", methods=["POST"])
def logout():
    from webapp import get_db
    from webapp.i18n import gettext as _
    if current_user.is_authenticated:
        users.log_out(get_db(), current_user)
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("public.index"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """The person's own account: contact addresses for notices, and the password change."""
    errors, done = on_post(_save_contact)
    return done or account_page("contact", errors)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    errors, done = on_post(_change_password)
    return done or account_page("password", errors)


def account_page(form: str, errors: dict):
    """The account page; after a refused form (``form``) its errors beside its fields (422), the contact
    addresses typed kept (passwords never are)."""
    from webapp import get_db
    row = accounts.own_account(get_db(), current_user)
    typed = form == "contact" and errors
    values = request.form if typed else {"email": row.email or "", "phone": row.phone or ""}
    return render_template("account/account.html", account=row, failed=form if errors else None,
                           errors=errors, values=values), (422 if errors else 200)


def _save_contact():
    from webapp import get_db
    from webapp.i18n import gettext as _
    accounts.update_own_contact(get_db(), current_user, request.form.get("email"), request.form.get("phone"))
    flash(_("Your contact details have been saved."), "success")
    return redirect(url_for("auth.account"))


def _change_password():
    from webapp import get_db
    from webapp.i18n import gettext as _
    try:
        row = throttle.password_change(current_user.username, lambda: users.change_password(
            get_db(), current_user, request.form.get("current_password", ""), request.form.get("new_password", "")))
    except throttle.Throttled as exc:
        raise ValidationError({"current_password": [
            _("Too many wrong passwords. Try again in {seconds} seconds.", seconds=exc.retry_after)]}) from None
    start_session(row)
    flash(_("Your password has been changed; every other session has ended."), "success")
    return redirect(home_url(row))
