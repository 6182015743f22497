"""The app compiles a catalogue whose .mo is missing or stale when it starts.

Walking the app started as the helpers' notes say (``python -m workflow demo`` then
``python -m webapp``, no ``make``) showed every page in English under ``lang="zh-CN"``: the .mo
files are git-ignored and only ``make run``/``make test`` built them; ``make serve-prod`` did not.
"""
from __future__ import annotations

import shutil

from tests.web.conftest import make_app, text
from webapp import i18n


def test_a_fresh_checkout_serves_chinese(db, tmp_path, monkeypatch):
    catalogues = tmp_path / "translations"
    for po in i18n.TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        target = catalogues / po.relative_to(i18n.TRANSLATIONS)
        target.parent.mkdir(parents=True)
        shutil.copy(po, target)
    monkeypatch.setattr(i18n, "TRANSLATIONS", catalogues)
    page = text(make_app(db, tmp_path).test_client().get("/login"))
    assert (catalogues / "zh" / "LC_MESSAGES" / "messages.mo").exists()
    assert "登录" in page and "Log in" not in page
