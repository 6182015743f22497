"""Every task and case operation sent twice at the same moment, on PostgreSQL, through the API.

Each race is one row of ``RACES``: a set-up reached through the services (cheap), then two requests
released together by a barrier, each thread on its own database connection (the same person
double-clicking, or two entitled people at once). For every race: no 500, no more successes than
the law allows, the losers a 409 that wrote nothing, the history recording the action once per
success, the case's rows consistent afterwards (one open task where one belongs, no pause of a
closed step, signers counted as stored) and the case still driven to its end.

One database for the module (the races use their own cases), so the whole file stays fast. The
set-ups, the consistency checks and the driver to the end are in ``tests/reliability/double_clicks.py``.
"""
from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from tests.api.conftest import Api, error_of, make_app
from tests.conftest import PG_URL, fresh_database
from tests.helpers import load_people, open_tasks
from tests.reliability.double_clicks import (
    OK,
    World,
    accepted,
    assert_consistent,
    badly_rated,
    branches_held,
    check_a_held,
    committee,
    completed,
    correction_asked,
    extension_asked,
    finish,
    food_correction,
    food_filed,
    handed,
    held,
    in_ranking,
    intake_done,
    joint_review,
    joint_review_claimed,
    round_settled,
    suspended,
    two_in_ranking,
    two_signers,
    votes_counted,
    with_signer,
)
from tests.reliability.races import race, statuses
from workflow.storage.models import AuditEvent, Case, HumanTask

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def world(request, tmp_path_factory, sqlite_template):
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    tmp = tmp_path_factory.mktemp("double_clicks")
    for db in fresh_database(request, tmp, sqlite_template, "postgresql"):
        api = Api(make_app(db, ATTACHMENTS_DIR=str(tmp / "attachments")).test_client())
        people = load_people(db)
        for name in ("applicant_a", "applicant_a2", "reviewer1", "reviewer2", "reviewer3", "approver",
                     "supervisor", "window", "quality_approver", "quality_approver2", "quality_approver3"):
            api.token(name)
        yield World(db, people, api, tmp)


# -- the races ------------------------------------------------------------------------------

@dataclass
class Race:
    setup: Callable[[World], dict]
    calls: list[tuple[str, str, object]]      # (who, "task:op" | "case:op" | "extension" | "upload", body)
    actions: str | tuple[str, str]            # what each call records in the history when it succeeds
    most: int = 1                             # successes the law allows
    least: int = 1
    check: Callable[[World, dict, list], None] | None = None
    finishable: bool = True
    refusals: tuple[int, ...] = (409,)
    on: tuple[str, str] = ("task", "task")    # the ctx key of each call's task
    says: str | None = None                   # what a loser is told, when it matters


def both(who: str, op: str, body: object = None) -> list[tuple[str, str, object]]:
    return [(who, op, body)] * 2


def one_open(*bpmn_ids: str) -> Callable[[World, dict, list], None]:
    def check(w: World, ctx: dict, _responses) -> None:
        steps = [t.bpmn_id for t in open_tasks(w.db, ctx["case"])]
        for bpmn_id in bpmn_ids:
            assert steps.count(bpmn_id) == 1, steps
    return check


def holder_is(*names: str) -> Callable[[World, dict, list], None]:
    def check(w: World, ctx: dict, _responses) -> None:
        with w.db.reading() as s:
            assert s.get(HumanTask, ctx["task"]).assignee_id in {w.who(n).id for n in names}
    return check


def recall_or_claim(w: World, ctx: dict, responses) -> None:
    recall, claim = responses
    steps = sorted(t.bpmn_id for t in open_tasks(w.db, ctx["case"]))
    if recall.status_code == 200:
        assert steps == ["intake"], steps
    else:
        assert claim.status_code == 200 and steps == ["check_a", "check_b"], steps


def withdrawn(w: World, ctx: dict, _responses) -> None:
    with w.db.reading() as s:
        assert s.get(Case, ctx["case"]).status == "withdrawn"
    assert open_tasks(w.db, ctx["case"]) == []


def two(first: tuple, second: tuple) -> list[tuple[str, str, object]]:
    return [first, second]


RACES: dict[str, Race] = {
    # taking and giving back
    "claim, same reviewer": Race(accepted, both("reviewer1", "task:claim"), "claim", check=holder_is("reviewer1")),
    "claim, two reviewers of the queue": Race(
        accepted, two(("reviewer1", "task:claim", None), ("reviewer2", "task:claim", None)), "claim",
        check=holder_is("reviewer1", "reviewer2")),
    "unclaim": Race(held, both("reviewer1", "task:unclaim"), "unclaim"),
    # completing and sending back
    "complete, same holder": Race(held, both("reviewer1", "task:complete", {"data": OK}), "complete",
                                  check=one_open("check_a", "check_b")),
    "complete unclaimed, two reviewers": Race(
        accepted, two(("reviewer1", "task:complete", {"data": OK}), ("reviewer2", "task:complete", {"data": OK})),
        "complete", check=one_open("check_a", "check_b")),
    "complete vs a colleague's claim": Race(
        accepted, two(("reviewer1", "task:complete", {"data": OK}), ("reviewer2", "task:claim", None)),
        ("complete", "claim")),
    "return to an earlier step": Race(check_a_held, both("reviewer1", "task:return",
                                                         {"target": "intake", "opinion": "重审"}),
                                      "return", check=one_open("intake")),
    "correction": Race(held, both("reviewer1", "task:correction", {"opinion": "请补正", "items": ["营业执照"]}),
                       "return_to_applicant"),
    "recall": Race(intake_done, both("reviewer1", "task:recall"), "recall", check=one_open("intake"),
                   on=("intake", "intake"), says="This step has already been recalled."),
    "recall vs the next step's claim": Race(
        intake_done, two(("reviewer1", "task:recall", None), ("reviewer2", "task:claim", None)), ("recall", "claim"),
        check=recall_or_claim, on=("intake", "check_a")),
    # handing over
    "transfer, same colleague": Race(held, both("reviewer1", "task:transfer", {"to_user_id": "reviewer2"}),
                                     "transfer", check=holder_is("reviewer2")),
    "transfer to two colleagues": Race(
        held, two(("reviewer1", "task:transfer", {"to_user_id": "reviewer2"}),
                  ("reviewer1", "task:transfer", {"to_user_id": "reviewer3"})),
        "transfer", check=holder_is("reviewer2", "reviewer3")),
    "delegate": Race(held, both("reviewer1", "task:delegate", {"to_user_id": "reviewer2"}), "delegate",
                     check=holder_is("reviewer2")),
    "resolve": Race(handed("delegate"), both("reviewer2", "task:resolve", {"opinion": "已核"}), "resolve",
                    check=holder_is("reviewer1")),
    "reclaim": Race(handed("transfer"), both("reviewer1", "task:reclaim"), "reclaim", check=holder_is("reviewer1"),
                    says="You already hold this task."),
    "the holder completes while the colleague reclaims": Race(
        handed("transfer"), two(("reviewer2", "task:complete", {"data": OK}), ("reviewer1", "task:reclaim", None)),
        ("complete", "reclaim")),
    "resolve vs reclaim": Race(
        handed("delegate"), two(("reviewer2", "task:resolve", {"opinion": "已核"}), ("reviewer1", "task:reclaim", None)),
        ("resolve", "reclaim"), check=holder_is("reviewer1")),
    # signers
    "add_signer": Race(held, both("reviewer1", "task:add_signer", {"user_id": "reviewer2"}), "add_signer",
                       says="This colleague has already been asked for an opinion on this task."),
    "remove_signer": Race(with_signer, both("reviewer1", "task:remove_signer", {"user_id": "reviewer2"}),
                          "remove_signer"),
    "remove_signer vs sign": Race(
        with_signer, two(("reviewer1", "task:remove_signer", {"user_id": "reviewer2"}),
                         ("reviewer2", "task:sign", {"opinion": "同意"})),
        ("remove_signer", "sign"), refusals=(409, 403)),
    "sign": Race(with_signer, both("reviewer2", "task:sign", {"opinion": "同意"}), "sign",
                 says="You have already given your opinion on this task."),
    # telling others: two notices are two notices
    "copy": Race(held, both("reviewer1", "task:copy", {"user_ids": ["reviewer2"]}), "copy", most=2, least=2),
    "urge": Race(held, both("supervisor", "task:urge"), "urge", most=2, least=2),
    # the clock
    "suspend": Race(held, both("reviewer1", "task:suspend", {"reason": "testing"}), "suspend"),
    "resume": Race(suspended, both("reviewer1", "task:resume"), "resume"),
    "suspend vs resume": Race(
        suspended, two(("reviewer1", "task:resume", None), ("reviewer1", "task:suspend", {"reason": "hearing"})),
        ("resume", "suspend"), most=2),
    "extension request": Race(held, both("reviewer1", "task:extension", {"days": 5, "reason": "需专家论证"}),
                              "extension_requested"),
    "extension approve vs refuse": Race(
        extension_asked, two(("approver", "extension", {"approve": True, "opinion": "同意"}),
                             ("approver", "extension", {"approve": False, "opinion": "不同意"})),
        ("extension_approved", "extension_rejected")),
    # the applicant's case commands
    "withdraw, two people of the applicant": Race(
        accepted, two(("applicant_a", "case:withdraw", {}), ("applicant_a2", "case:withdraw", {})), "withdraw",
        check=withdrawn, finishable=False),
    "withdraw vs claim": Race(accepted, two(("applicant_a", "case:withdraw", {}), ("reviewer1", "task:claim", None)),
                              ("withdraw", "claim"), most=2, check=withdrawn, finishable=False),
    "resubmit": Race(correction_asked, both("applicant_a", "case:resubmit", {"data": {}, "note": "已补"}),
                     "resubmit"),
    "rate, two people of the applicant": Race(
        completed, two(("applicant_a", "case:rating", {"level": 5}), ("applicant_a2", "case:rating", {"level": 4})),
        "rate", finishable=False),
    "upload": Race(accepted, both("applicant_a", "upload"), "attachment_uploaded", most=2, least=2),
    # award rounds
    "withdraw vs the round closing from another nomination": Race(
        two_in_ranking, two(("applicant_a", "case:withdraw", {}), ("quality_approver3", "task:close_round", None)),
        ("withdraw", "round_closed"), most=2, least=2, check=round_settled, finishable=False,
        on=("task", "other_task")),
    # real processes: intake, the applicant's correction, joint reviews, parallel branches
    "the window's acceptance, two clerks": Race(
        food_filed, two(("window", "task:complete", {"data": {**OK, "decision": "accept"}}),
                        ("window2", "task:complete", {"data": {**OK, "decision": "accept"}})),
        "complete", check=one_open("document_review"), finishable=False),
    "the window's correction notice, two clerks": Race(
        food_filed, two(("window", "task:complete", {"data": {**OK, "decision": "correct", "items": ["营业执照"]}}),
                        ("window2", "task:complete", {"data": {**OK, "decision": "correct", "items": ["营业执照"]}})),
        "complete", check=one_open("correction"), finishable=False),
    "the applicant's correction, two people of the applicant": Race(
        food_correction, two(("applicant_a", "task:complete", {"data": {**OK, "note": "已补"}}),
                             ("applicant_a2", "task:complete", {"data": {**OK, "note": "已补"}})),
        "complete", check=one_open("acceptance"), finishable=False),
    "joint review: one reviewer claims both parts": Race(
        joint_review, both("reviewer1", "task:claim"), "claim", on=("task", "task2"), finishable=False),
    "joint review: both parts completed at once": Race(
        joint_review_claimed, two(("reviewer1", "task:complete", {"data": {**OK, "decision": "pass"}}),
                                  ("reviewer2", "task:complete", {"data": {**OK, "decision": "pass"}})),
        "complete", most=2, least=2, on=("task", "task2"), check=one_open("onsite_inspection"), finishable=False),
    "parallel branches completed at once": Race(
        branches_held, two(("reviewer1", "task:complete", {"data": OK}), ("reviewer2", "task:complete", {"data": OK})),
        "complete", most=2, least=2, on=("task", "task2"), check=one_open("decide")),
    # two different buttons of one person, or two people's different commands
    "two different signers added at once": Race(
        held, two(("reviewer1", "task:add_signer", {"user_id": "reviewer2"}),
                  ("reviewer1", "task:add_signer", {"user_id": "reviewer3"})), "add_signer", most=2, least=2),
    "two signers sign at once": Race(
        two_signers, two(("reviewer2", "task:sign", {"opinion": "同意"}), ("reviewer3", "task:sign", {"opinion": "同意"})),
        "sign", most=2, least=2),
    "suspend vs complete": Race(
        held, two(("reviewer1", "task:suspend", {"reason": "testing"}), ("reviewer1", "task:complete", {"data": OK})),
        ("suspend", "complete"), most=2),
    "unclaim vs complete": Race(
        held, two(("reviewer1", "task:unclaim", None), ("reviewer1", "task:complete", {"data": OK})),
        ("unclaim", "complete"), most=2),
    "transfer vs complete": Race(
        held, two(("reviewer1", "task:transfer", {"to_user_id": "reviewer2"}),
                  ("reviewer1", "task:complete", {"data": OK})), ("transfer", "complete")),
    "correction vs withdraw": Race(
        held, two(("reviewer1", "task:correction", {"opinion": "请补正", "items": ["营业执照"]}),
                  ("applicant_a", "case:withdraw", {})),
        ("return_to_applicant", "withdraw"), most=2, check=withdrawn, finishable=False),
    "resubmit vs withdraw": Race(
        correction_asked, two(("applicant_a", "case:resubmit", {"data": {}, "note": "已补"}),
                              ("applicant_a2", "case:withdraw", {})),
        ("resubmit", "withdraw"), most=2, check=withdrawn, finishable=False),
    "extension decision vs withdraw": Race(
        extension_asked, two(("approver", "extension", {"approve": True, "opinion": "同意"}),
                             ("applicant_a", "case:withdraw", {})),
        ("extension_approved", "withdraw"), most=2, check=withdrawn, finishable=False),
    "upload vs withdraw": Race(
        accepted, two(("applicant_a", "upload", None), ("applicant_a2", "case:withdraw", {})),
        ("attachment_uploaded", "withdraw"), most=2, check=withdrawn, finishable=False),
    "answer to a bad rating": Race(
        badly_rated, both("supervisor", "case:rating_reply", lambda ctx: {"rating_id": ctx["rating"], "reply": "已整改"}),
        "rating_reply", finishable=False),
    # commands that exclude each other: exactly one of the two
    "delegate vs add_signer": Race(
        held, two(("reviewer1", "task:delegate", {"to_user_id": "reviewer2"}),
                  ("reviewer1", "task:add_signer", {"user_id": "reviewer3"})), ("delegate", "add_signer")),
    "unclaim vs add_signer": Race(
        held, two(("reviewer1", "task:unclaim", None), ("reviewer1", "task:add_signer", {"user_id": "reviewer3"})),
        ("unclaim", "add_signer")),
    "the transferee adds a signer while the colleague reclaims": Race(
        handed("transfer"), two(("reviewer2", "task:add_signer", {"user_id": "reviewer3"}),
                                ("reviewer1", "task:reclaim", None)), ("add_signer", "reclaim")),
    "sign vs complete": Race(
        with_signer, two(("reviewer2", "task:sign", {"opinion": "同意"}), ("reviewer1", "task:complete", {"data": OK})),
        ("sign", "complete"), most=2),
    "remove_signer vs complete": Race(
        with_signer, two(("reviewer1", "task:remove_signer", {"user_id": "reviewer2"}),
                         ("reviewer1", "task:complete", {"data": OK})), ("remove_signer", "complete"), most=2),
    "resume vs complete": Race(
        suspended, two(("reviewer1", "task:resume", None), ("reviewer1", "task:complete", {"data": OK})),
        ("resume", "complete"), most=2),
    "extension request vs complete": Race(
        held, two(("reviewer1", "task:extension", {"days": 5, "reason": "需专家论证"}),
                  ("reviewer1", "task:complete", {"data": OK})), ("extension_requested", "complete"), most=2),
    "suspend vs withdraw": Race(
        held, two(("reviewer1", "task:suspend", {"reason": "testing"}), ("applicant_a", "case:withdraw", {})),
        ("suspend", "withdraw"), most=2, check=withdrawn, finishable=False),
    "the window accepts while the applicant withdraws": Race(
        food_filed, two(("window", "task:complete", {"data": {**OK, "decision": "accept"}}),
                        ("applicant_a", "case:withdraw", {})), ("complete", "withdraw"), most=2,
        check=withdrawn, finishable=False),
    "recall vs the next step's completion": Race(
        intake_done, two(("reviewer1", "task:recall", None), ("reviewer2", "task:complete", {"data": OK})),
        ("recall", "complete"), on=("intake", "check_a")),
    "two committee votes cast at once": Race(
        committee, two(("quality_approver", "task:complete", {"data": {**OK, "decision": "award"}}),
                       ("quality_approver2", "task:complete", {"data": {**OK, "decision": "award"}})),
        "complete", most=2, least=2, on=("task", "task2"), check=votes_counted, finishable=False),
    "close_round": Race(in_ranking, both("quality_approver3", "task:close_round"), "round_closed",
                        finishable=False),
}


# -- sending ---------------------------------------------------------------------------------

def _body(w: World, ctx: dict, body):
    if callable(body):
        body = body(ctx)
    if not isinstance(body, dict):
        return body
    out = dict(body)
    for key in ("to_user_id", "user_id"):
        if isinstance(out.get(key), str):
            out[key] = w.who(out[key]).id
    if "user_ids" in out:
        out["user_ids"] = [w.who(n).id for n in out["user_ids"]]
    return out


def _request(w: World, ctx: dict, on: str, who: str, target: str, body) -> Callable[[], object]:
    api = w.api
    if target == "upload":
        return lambda: api.post(f"/api/v1/cases/{ctx['case']}/attachments", who, content_type="multipart/form-data",
                                data={"kind": "other", "file": (io.BytesIO(PDF), "licence.pdf")})
    if target == "extension":
        return lambda: api.post(f"/api/v1/extensions/{ctx['segment']}/decide", who, json=_body(w, ctx, body))
    kind, op = target.split(":")
    if kind == "case":
        return lambda: api.post(f"/api/v1/cases/{ctx['case']}/{op}", who, json=_body(w, ctx, body or {}))
    task = ctx[on]
    return lambda: api.post(f"/api/v1/tasks/{task}/{op}", who, json=_body(w, ctx, body) if body is not None else None)


def _since(w: World, seq: int) -> list[tuple[int, str]]:
    """(case, action) of every history entry after ``seq``."""
    with w.db.reading() as s:
        return [tuple(row) for row in s.execute(select(AuditEvent.case_id, AuditEvent.action)
                                                .where(AuditEvent.seq > seq).order_by(AuditEvent.seq))]


def _head(w: World) -> int:
    with w.db.reading() as s:
        return s.scalar(select(func.max(AuditEvent.seq))) or 0


# -- the test ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(RACES))
def test_two_clicks_at_once_are_one_action(world, name):
    spec, w = RACES[name], world
    ctx = spec.setup(w)
    ctx.setdefault("intake", ctx["task"])
    touched = {ctx["case"], ctx.get("other", ctx["case"])}
    head = _head(w)
    responses = race([_request(w, ctx, on, who, target, body)
                      for on, (who, target, body) in zip(spec.on, spec.calls, strict=True)])
    counts = statuses(responses)
    assert all(isinstance(code, int) and code < 500 for code in counts), (counts, [
        r if isinstance(r, Exception) else r.get_data(as_text=True)[:300] for r in responses])
    for loser in (r for r in responses if r.status_code >= 300):
        assert loser.status_code in spec.refusals, (loser.status_code, loser.get_json())
        if loser.status_code == 409:
            assert error_of(loser)["code"] == "conflict"
        if spec.says:
            assert error_of(loser)["message"] == spec.says, error_of(loser)
    actions = (spec.actions,) * len(spec.calls) if isinstance(spec.actions, str) else spec.actions
    won = [a for a, r in zip(actions, responses, strict=True) if r.status_code < 300]
    assert spec.least <= len(won) <= spec.most, (counts, [r.get_json() for r in responses if r.status_code >= 300])
    added = _since(w, head)
    assert {c for c, _a in added} <= touched, "history written about another case"
    for action in set(actions):        # each success recorded once, a refusal not at all
        assert [a for _c, a in added].count(action) == won.count(action), (added, counts)
    if spec.check:
        spec.check(w, ctx, responses)
    assert_consistent(w, ctx["case"])
    if spec.finishable:
        finish(w, ctx["case"])
        assert_consistent(w, ctx["case"])
