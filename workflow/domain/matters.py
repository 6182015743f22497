"""The catalogue of licensing matters (事项): what an applicant can file for.

A matter is one entry here plus its BPMN file and its forms: the entry carries its limits,
materials, the progress steps the applicant sees (mapped to BPMN step ids), how its
certificates are numbered, printed and how long they are valid, which licences a change or
renewal refers to, the unit its statistics count and how many of them a filing is. The entries
are data (``data/matters.toml``); adding a matter touches no code of the engine (a test adds
one with ``Matter(...)``). Limits marked *unconfirmed* in docs/domain.md are defaults an
administrator can change (``matter_settings``).
"""
from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from workflow.domain import numbering, particulars
from workflow.domain.numbering import Numbering
from workflow.errors import NotFound, msg

DATA = Path(__file__).parent / "data" / "matters.toml"

# Administrative Licensing Law Art. 26: joint handling within 45 working days, extendable by 15.
JOINT_STATUTORY_DAYS = 45
JOINT_EXTENSION_DAYS = 15
# Art. 32: acceptance, a one-time correction notice or a refusal within 5 working days.
ACCEPTANCE_DAYS = 5
# Art. 44: the certificate is issued and delivered within 10 working days of the decision.
CERTIFICATE_DAYS = 10
# Art. 42: the head of the office may extend the decision limit by 10 working days.
EXTENSION_DAYS = 10


@dataclass(frozen=True)
class ProgressStep:
    """One step of the progress bar: done when one of its BPMN steps was completed.

    ``kind`` "tasks" (the default) follows ``steps``; "filed" is done once the application is
    in; "outcome" is done when the matter ended favourably (certificate, receipt, award).
    """
    title_zh: str
    title_en: str
    steps: tuple[str, ...] = ()
    kind: str = "tasks"

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_zh


@dataclass(frozen=True)
class Matter:
    code: str
    title_zh: str
    title_en: str
    department: str
    process_id: str
    application_form: str
    statutory_days: int | None = None
    committed_days: int | None = None
    green_channel_days: int | None = None
    certificate_days: int | None = CERTIFICATE_DAYS
    extension_days: int = EXTENSION_DAYS
    requires_decision: bool = True
    validity_years: int | None = None
    numbering: Numbering | None = None
    # A change / renewal / cancellation names a licence of this matter, held by the applicant.
    amends: str | None = None
    # How long before expiry a renewal may be filed (None: no renewal through this matter).
    renewal_window_days: int | None = None
    # Where a granted change finds the licence's new particulars.
    reissue: particulars.Reissue = particulars.Reissue()
    attachments: tuple[tuple[str, str, str], ...] = ()
    progress: tuple[ProgressStep, ...] = ()
    statistics_unit: str = "case"
    # The application fields a certificate's scope is made of (the product, the foods, the place).
    scope_fields: tuple[str, ...] = ()
    # How many statistics units one filing is; None: one per filing.
    units: Callable[[dict], int] | None = None
    # The certificate's name and what it prints; None: named after the matter, prints its scope.
    certificate: particulars.CertificateLayout | None = None
    # A filing without a decision is answered by a receipt (告知回执) printed this way.
    receipt: particulars.ReceiptLayout | None = None
    # One certificate per item of the filing (a CNG batch's vehicles), so a refused batch may
    # still hold the certificates of the vehicles registered before.
    certificate_per_item: bool = False
    # What each item's certificate records besides the item (a vehicle's cylinder: kind and variety).
    item_defaults: tuple[tuple[str, str], ...] = ()
    # Filed into an open award round, whose quota the committee fills.
    award_round: bool = False
    basis: str = ""

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_zh

    def limit_days(self, green_channel: bool) -> int | None:
        """The limit the office commits to; the green channel's is shorter still."""
        if green_channel and self.green_channel_days:
            return self.green_channel_days
        return self.committed_days or self.statutory_days

    @property
    def certificate_layout(self) -> particulars.CertificateLayout:
        return self.certificate or particulars.CertificateLayout(self.title_zh.removesuffix("核发"))

    @property
    def issues_certificates(self) -> bool:
        """A favourable end issues this matter's own certificate (an amendment reissues the
        licence it names, a filing gets a receipt)."""
        return self.numbering is not None and self.amends is None

    def units_of(self, data: dict | None) -> int:
        """How many statistics units one filing of this matter is."""
        return self.units(data or {}) if self.units else 1

    @property
    def renewal_years(self) -> int | None:
        """The term a renewal extends the licence by (行政许可法 Art. 50): the licence's own term."""
        if self.validity_years is None and self.amends:
            return get_matter(self.amends).validity_years
        return self.validity_years

    @property
    def steps_zh(self) -> tuple[str, ...]:
        return tuple(step.title_zh for step in self.progress)

    @property
    def steps_en(self) -> tuple[str, ...]:
        return tuple(step.title_en for step in self.progress)


def listed(name: str) -> Callable[[dict], int]:
    """Statistics units: one per item of the list ``name`` (a CNG batch's vehicles)."""
    def units(data: dict) -> int:
        return len(data.get(name) or []) or 1
    return units


def stated(name: str) -> Callable[[dict], int]:
    """Statistics units: the number the applicant filed in ``name`` (an installation's units)."""
    def units(data: dict) -> int:
        return int(data.get(name) or 1)
    return units


_NUMBERINGS: dict[str, Callable[..., Numbering]] = {
    "xk": lambda: numbering.xk_number, "sc": lambda: numbering.sc_number,
    "equipment": numbering.equipment_number, "serial": numbering.serial_number}
_UNITS = {"list": listed, "number": stated}


def _named(table: dict[str, Callable], spec: str):
    """``"name"`` or ``"name:argument"`` of the data file, made into the behaviour it names."""
    name, _, argument = spec.partition(":")
    return table[name](argument) if argument else table[name]()


def _entry(code: str, raw: dict) -> Matter:
    """One table of the data file as a catalogue entry; a limit of ``false`` stands for none."""
    values = {key: None if value is False and key.endswith("_days") else value for key, value in raw.items()}
    values.setdefault("process_id", code)
    if "numbering" in values:
        values["numbering"] = _named(_NUMBERINGS, values["numbering"])
    if "units" in values:
        values["units"] = _named(_UNITS, values["units"])
    if "certificate" in values:
        layout = dict(values["certificate"])
        layout["particulars"] = particulars.PARTICULARS[layout.get("particulars", "scope")]
        values["certificate"] = particulars.CertificateLayout(**layout)
    if "receipt" in values:
        receipt = values["receipt"]
        values["receipt"] = particulars.ReceiptLayout(receipt["statement"],
                                                      particulars.RECEIPTS[receipt["particulars"]])
    values["attachments"] = tuple(tuple(a) for a in values.get("attachments", ()))
    values["scope_fields"] = tuple(values.get("scope_fields", ()))
    values["item_defaults"] = tuple(values.get("item_defaults", {}).items())
    if "reissue" in values:
        reissue = values["reissue"]
        values["reissue"] = particulars.Reissue(reissue.get("holder"), reissue.get("scope"),
                                                tuple(reissue.get("details", ())))
    values["progress"] = tuple(ProgressStep(s["zh"], s["en"], tuple(s.get("steps", ())), s.get("kind", "tasks"))
                               for s in values.get("progress", ()))
    return Matter(code, **values)


def load(path: Path = DATA) -> dict[str, Matter]:
    with path.open("rb") as file:
        return {code: _entry(code, raw) for code, raw in tomllib.load(file).items()}


MATTERS: dict[str, Matter] = load()

DEPARTMENTS = {
    "window": ("政务服务窗口", "Single window"),
    "production": ("生产许可科", "Production licensing section"),
    "food": ("食品生产监管科", "Food production section"),
    "equipment": ("特种设备安全监察科", "Special equipment section"),
    "quality": ("质量发展科", "Quality development section"),
}


def get_matter(code: str) -> Matter:
    try:
        return MATTERS[code]
    except KeyError:
        raise NotFound(msg("Unknown matter '{code}'.", code=code)) from None


OTHER_MATERIAL = "other"


def material_kinds(codes: list[str]) -> frozenset[str]:
    """The materials a case of these matters may hold: each matter's list, and "other" (a file the
    lists do not name, e.g. an explanation the window asked for)."""
    return frozenset(kind for code in codes if code in MATTERS
                     for kind, _zh, _en in MATTERS[code].attachments) | {OTHER_MATERIAL}
