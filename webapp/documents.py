"""What the web page and the API share to serve a written document: its public links and the response.

File names are Chinese (受理通知书-…pdf, (闽)XK….png); ``send_file`` writes them as RFC 6266
``filename*=UTF-8''…`` with an ASCII fallback, which every browser reads and which a latin-1
HTTP header can carry (writing the raw name raised UnicodeEncodeError).
"""
from __future__ import annotations

import io

from flask import Response, request, send_file, url_for
from werkzeug.routing import BuildError

from workflow.documents.content import Links


def links() -> Links:
    return Links(verify=lambda token: _external("public.verify_token", f"v/{token}", token=token),
                 progress=_external("progress.lookup", "progress"))


def _external(endpoint: str, path: str, **values) -> str:
    """The public page's address; the API also runs without the web pages (tests, API-only apps)."""
    try:
        return url_for(endpoint, _external=True, **values)
    except BuildError:
        return request.host_url + path


def file_response(data: bytes, filename: str, mimetype: str, download: bool = False) -> Response:
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=download, download_name=filename,
                     max_age=0)
