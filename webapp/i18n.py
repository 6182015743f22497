"""Translations through the gettext catalogue: pages, forms and engine messages in one place.

flask-babel selects the language (:func:`current_lang`: Simplified Chinese by default, English
one click away) and loads ``webapp/translations/<lang>/LC_MESSAGES/messages.mo``. Message ids
are English; values fill ``{name}`` placeholders with ``str.format``, the format marshmallow's
own messages use, so templates, views, forms and the engine share one format. Engine and form
errors are :class:`~workflow.errors.Message` objects that carry their id and values, so
:func:`translate_message` needs no pattern matching. How to add a string: webapp/README.md.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, has_request_context, request, session
from flask_babel import Babel, get_translations

from workflow.errors import Message

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
babel = Babel()


def init_app(app: Flask) -> None:
    """flask-babel on ``app`` once (the pages and the API alone both need it): the catalogue and
    the page language as its locale."""
    if "babel" not in app.extensions:
        _compile_catalogues()
        babel.init_app(app, default_locale=DEFAULT_LANG, default_translation_directories=str(TRANSLATIONS),
                       locale_selector=current_lang)


def _compile_catalogues() -> None:
    """Build a missing or stale .mo (git-ignored): served without one, every page is English."""
    from webapp.i18n_import import compile_stale
    try:
        compile_stale(TRANSLATIONS)
    except OSError as error:   # a read-only install: its build step must have compiled them
        logging.getLogger(__name__).warning("translations not compiled: %s", error)


def current_lang() -> str:
    if not has_request_context():
        return DEFAULT_LANG
    lang = session.get("lang")
    if lang in LANGS:
        return lang
    if request.args.get("lang") in LANGS:
        return request.args["lang"]
    return DEFAULT_LANG


def N_(msgid: str) -> str:
    """Marks a message id for extraction where it is defined; it is translated where it is shown."""
    return msgid


def gettext(msgid: str, **values: Any) -> str:
    """``msgid`` in the page language (the id itself when the catalogue has nothing)."""
    text = get_translations().gettext(msgid) if msgid else msgid
    return text.format(**values) if values else text


def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
    """A count in the page language: English "1 working day", Chinese has one form."""
    return get_translations().ngettext(singular, plural, n).format(n=n, **values)


_ = gettext


def translate_message(message: Any) -> Any:
    """An engine or form message in the page language, by its id and values."""
    if isinstance(message, Message):
        return gettext(message.msgid, **message.params)
    return gettext(message) if isinstance(message, str) else message


def translate_fields(fields: dict[str, list[str]]) -> dict[str, list[str]]:
    return {name: [translate_message(m) for m in messages] for name, messages in (fields or {}).items()}


# Ids that modules owned by other work still spell as plain constants, so extraction cannot see
# them there (services/reports.py REVERSED, documents/office.py SEAL_TYPE): once those become
# msg(...), these go.
NOT_YET_MARKED = (
    N_("The end date must not be before the start date."),
    N_("Upload the seal as a PNG or JPEG image of at most 1 MB."),
)

