"""Coded values by name: the reference lists (equipment kinds, food categories) and the label
tables, in the page's language. Forms offer these names and pages show them: one lookup."""
from __future__ import annotations

from webapp.i18n import current_lang, gettext
from webapp.labels import has_label, label, labeller
from workflow.domain import reference
from workflow.domain.matters import MATTERS

# Application fields whose values are codes of the label tables (申报类别, 许可类别, …).
CODED_FIELDS = ("category", "change_kind", "work_kind", "food_kind", "decision")


def matter_title(code: str) -> str:
    matter = MATTERS.get(code)
    return matter.title(current_lang()) if matter else code


def material_label(kind: str) -> str:
    for matter in MATTERS.values():
        for code, zh, en in matter.attachments:
            if code == kind:
                return en if current_lang() == "en" else zh
    return gettext("Other") if kind == "other" else kind


# Fields whose codes are named by a function or a label table of their own.
NAMERS = {"matter": matter_title, "matters": matter_title, "kind": material_label,
          "reason": labeller("reason"), "role": labeller("role")}


def _named(code: str, zh: str, en: str) -> str:
    return f"{en if current_lang() == 'en' else zh} ({code})"


def reference_choices(name: str) -> list[tuple[str, str]] | None:
    """Choices whose names live in the reference lists rather than in the label tables."""
    if name == "equipment_kind":
        return [(k.code, _named(k.code, k.name_zh, k.name_en)) for k in reference.equipment_kinds()]
    return None


def _food_categories() -> dict[str, str]:
    """Food and additive categories by code (typed as two digits on the form, named when shown)."""
    seen: dict[str, str] = {}
    for kind in (reference.FOOD, reference.FOOD_ADDITIVE):
        for c in reference.food_categories(kind):
            seen.setdefault(c.code, _named(c.code, c.name_zh, c.name_en))
    return seen


def coded_name(name: str, value) -> str | None:
    """The name of a coded value (application fields, the audit's data), or None for plain values."""
    if name in NAMERS and isinstance(value, str):
        return NAMERS[name](value)
    found = _food_categories() if name == "food_category" else dict(reference_choices(name) or ())
    if found:
        return found.get(str(value))
    if name in CODED_FIELDS and not isinstance(value, bool):
        if has_label("choice", value):
            return label("choice", value)
    return None
