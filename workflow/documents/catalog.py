"""Which written documents a case has, found in its decision history and its certificates.

An event of the history is a decision the law makes the office write down: acceptance or
refusal to accept and the one-time correction notice (Art. 32), an extension (Art. 42), a
grant or denial (Art. 38); each certificate is a document too (Art. 39), and once anything was
issued the delivery receipt (送达回证) lists it. A joint filing's one intake decision is recorded
once per matter; it is one document.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from workflow.storage.models import AuditEvent, Certificate
from workflow.timekeeping.workdays import local_date

ACCEPTANCE, CORRECTION, REFUSAL, EXTENSION = "acceptance", "correction", "refusal", "extension"
GRANT, DENIAL, DELIVERY, CERTIFICATE = "grant", "denial", "delivery", "certificate"
TITLES = {ACCEPTANCE: "受理通知书", CORRECTION: "补正材料通知书", REFUSAL: "不予受理决定书",
          EXTENSION: "延长审批期限告知书", GRANT: "准予行政许可决定书", DENIAL: "不予行政许可决定书",
          DELIVERY: "送达回证"}
# The word in each document's number: 市监许受〔2026〕SL2026-000001号.
NUMBER_WORDS = {ACCEPTANCE: "受", CORRECTION: "补", REFUSAL: "不受", EXTENSION: "延", GRANT: "准",
                DENIAL: "不准", DELIVERY: "送"}
ONCE_PER_CASE = (ACCEPTANCE, REFUSAL)
ONCE_PER_DECISION = (CORRECTION,)

INTAKE_ACCEPT = {"accept", "eligible", "register_now"}
GRANTED = {"granted", "registered", "partly_granted"}    # a CNG batch with refused vehicles is granted in part
DENIED = "denied"


@dataclass(frozen=True)
class Ref:
    """One document of a case: ``key`` names it in its URL."""
    kind: str
    key: str
    title: str
    number_suffix: str = ""
    event: AuditEvent | None = None
    certificate: Certificate | None = None

    @property
    def issued_on(self) -> date | None:
        """The day the document was issued; the delivery receipt has none of its own."""
        if self.certificate is not None:
            return self.certificate.reissued_on or self.certificate.issued_on
        return local_date(self.event.at) if self.event is not None else None


def kinds_of(event: AuditEvent) -> tuple[str, ...]:
    """The intake and clock documents an event makes the office write."""
    if event.action == "deemed_accepted":
        return (ACCEPTANCE,)
    if event.action == "return_to_applicant":
        return (CORRECTION,)
    if event.action == "extension_approved":
        return (EXTENSION,)
    if event.action != "complete":
        return ()
    window = event.role == "window"
    return ((ACCEPTANCE,) if window and event.decision in INTAKE_ACCEPT else ()) + \
        ((CORRECTION,) if event.decision == "correct" else ()) + \
        ((REFUSAL,) if window and event.decision == "refuse" else ())


def _decisions(history: list[AuditEvent], outcomes: dict[int, str | None]) -> list[Ref]:
    """A grant or denial per matter (Art. 38), from how its process ended, dated and reasoned by
    the last step the office completed in it (the approver's decision, a registration at the counter)."""
    refs = []
    for instance_id, outcome in outcomes.items():
        kind = GRANT if outcome in GRANTED else DENIAL if outcome == DENIED else None
        deciding = [e for e in history if e.instance_id == instance_id and e.action == "complete"
                    and e.role not in ("applicant", "expert")]
        if kind and deciding:
            refs.append(Ref(kind, f"{kind}-{deciding[-1].seq}", TITLES[kind], event=deciding[-1]))
    return refs


def _from_history(history: list[AuditEvent]) -> list[Ref]:
    refs: list[Ref] = []
    seen: set[tuple] = set()
    counts: dict[str, int] = {}
    for event in history:
        for kind in kinds_of(event):
            once = kind if kind in ONCE_PER_CASE else (kind, event.at) if kind in ONCE_PER_DECISION else None
            if once is not None and once in seen:
                continue
            seen.add(once)
            counts[kind] = counts.get(kind, 0) + 1
            suffix = f"-{counts[kind]}" if counts[kind] > 1 else ""
            refs.append(Ref(kind, f"{kind}-{event.seq}", TITLES[kind], suffix, event=event))
    return refs


def documents(history: list[AuditEvent], certificates: list[Certificate], outcomes: dict[int, str | None],
              certificate_title) -> list[Ref]:
    """Every document of the case in the order it was issued, the delivery receipt last.

    ``outcomes``: each process instance's outcome by instance id.
    """
    refs = sorted(_from_history(history) + _decisions(history, outcomes), key=lambda r: (r.event.seq, r.kind))
    refs += [Ref(CERTIFICATE, f"{CERTIFICATE}-{c.id}", certificate_title(c), certificate=c) for c in certificates]
    if refs:
        refs.append(Ref(DELIVERY, DELIVERY, TITLES[DELIVERY]))
    return refs


def find(refs: list[Ref], key: str) -> Ref | None:
    return next((r for r in refs if r.key == key), None)
