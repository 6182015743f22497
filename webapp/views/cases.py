"""The case page everyone who may see a case shares, its attachments, certificates and notices."""
from __future__ import annotations

import re

import qrcode
import qrcode.image.svg
from flask import Blueprint, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.exceptions import RequestEntityTooLarge

from webapp import get_db
from webapp.errors import render_error, status_of
from webapp.i18n import current_lang, translate_message
from webapp.i18n import gettext as _
from webapp.documents import file_response, links
from webapp.views.common import on_post
from workflow.errors import EngineError
from workflow.services import attachments, case_view, documents, queries
from workflow.services.cases import RATING_LEVELS

bp = Blueprint("cases", __name__)


@bp.route("/cases/<int:case_id>")
@login_required
def detail(case_id: int):
    return case_page(case_id)


def case_page(case_id: int, failed: str | None = None, errors: dict | None = None, status: int = 200,
              typed=None):
    """The case page; after a refused form (``failed``: its id) with the errors beside its fields and
    what was typed (``typed``, else the posted form) kept in it."""
    d = case_view.case_view(get_db(), current_user, case_id, current_lang())
    values = (request.form if typed is None else typed) if failed else {}
    return render_template("cases/detail.html", d=d, ratings=sorted(RATING_LEVELS, reverse=True), failed=failed,
                           errors=errors or {}, values=values), status


def case_form(case_id: int, form_id: str, action, field: str):
    """A form of the case page posted (rating, upload, withdrawal, ...): ``action`` runs the service, flashes
    and redirects (``on_post``, as every page form); refused input answers the case page again (422).
    ``field`` is where a refusal without field errors is shown."""
    errors, done = on_post(action, field)
    return done or case_page(case_id, form_id, errors, 422)


@bp.route("/cases/<int:case_id>/attachments", methods=["POST"])
@login_required
def upload(case_id: int):
    return case_form(case_id, "upload", lambda: _upload(case_id), "file")


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error):
    """A body beyond the request limit is refused before any view reads it (CSRF, ``input_guard``); an
    upload from the case page answers that page again with the error beside the file, as any bad file."""
    case_id = (request.view_args or {}).get("case_id")
    if request.endpoint != "cases.upload" or case_id is None or not current_user.is_authenticated:
        return render_error(413)
    too_large = _("File too large: at most {n} MiB.", n=attachments.MAX_BYTES // (1024 * 1024))
    try:
        return case_page(case_id, "upload", {"file": [too_large]}, 413, typed={})
    except EngineError as exc:                  # a case the person may not see: its own error page
        return render_error(status_of(exc), translate_message(exc.message))


def _upload(case_id: int):
    file = request.files.get("file")
    item = attachments.Upload(request.form.get("kind", ""), file.filename if file else "", file.read() if file else b"")
    row = attachments.upload(get_db(), current_user, case_id, item, root=current_app.config["ATTACHMENTS_DIR"])
    flash(_("File {name} uploaded.", name=row.filename), "success")
    return redirect(request.form.get("back") if _local(request.form.get("back")) else
                    url_for("cases.detail", case_id=case_id) + "#materials")


def _local(url: str | None) -> bool:
    return bool(url) and url.startswith("/") and not url.startswith("//")


@bp.route("/attachments/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    row, path = attachments.download(get_db(), current_user, attachment_id)
    return send_file(path, mimetype=row.content_type, as_attachment=request.args.get("inline") is None,
                     download_name=row.filename)


def qr_svg(url: str) -> Markup:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    svg = re.sub(r'width="[^"]+" height="[^"]+" ', 'width="160" height="160" role="img" ', svg, count=1)
    return Markup(svg)


@bp.route("/certificates/<int:certificate_id>")
@login_required
def certificate(certificate_id: int):
    cert, case = queries.certificate_for(get_db(), current_user, certificate_id)
    url = url_for("public.verify_token", token=cert.token, _external=True)
    public = queries.verify_certificate(get_db(), token=cert.token)
    return render_template("cases/certificate.html", cert=cert, case=case, public=public, verify_url=url,
                           qr=qr_svg(url), authority=documents.issuing_authority(get_db()),
                           title=documents.certificate_title(cert))


@bp.route("/certificates/<int:certificate_id>.png")
@login_required
def certificate_png(certificate_id: int):
    from webapp.certificate_image import render_png
    cert, _case = queries.certificate_for(get_db(), current_user, certificate_id)
    public = queries.verify_certificate(get_db(), token=cert.token)
    url = url_for("public.verify_token", token=cert.token, _external=True)
    rows = [(_("Certificate number"), cert.number), (_("Holder"), cert.holder),
            (_("Unified social credit code"), cert.holder_code), (_("Scope"), cert.scope),
            (_("Issued on"), cert.issued_on.isoformat()),
            (_("Valid until"), cert.valid_until.isoformat() if cert.valid_until else _("No expiry")),
            (_("Status"), _(public.status.capitalize()))]
    png = render_png(documents.certificate_title(cert), documents.issuing_authority(get_db()), rows,
                     url, _("Scan to verify"))
    return file_response(png, f"{cert.number}.png", "image/png", download=True)


@bp.route("/cases/<int:case_id>/pdf/<key>.pdf")
@login_required
def document_pdf(case_id: int, key: str):
    """A written document of the case as PDF, for whoever may open the case (404 to others)."""
    rendered = documents.render(get_db(), current_user, case_id, key, links())
    return file_response(rendered.data, rendered.filename, rendered.content_type,
                         download=request.args.get("download") is not None)
