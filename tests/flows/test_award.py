"""Quality award nominations: experts, committee vote (票签), the round's ranking, the 7-day notice."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.helpers import open_tasks
from workflow.domain import operations
from workflow.errors import Forbidden, NotFound, ValidationError
from workflow.services import awards, case_view, handover, task_view, tasks
from workflow.storage.models import AuditEvent, AwardRound

EXPERTS = ["expert1", "expert2", "expert3", "expert4", "expert5"]
COMMITTEE = ["quality_approver", "quality_approver2", "quality_approver3"]


def to_committee(bureau, scores=(900, 700, 800, 820, 600), threshold=700, who="applicant_a"):
    case = bureau.file(["quality_award"], who=who)
    bureau.act("window", case.id, "eligibility_check", decision="eligible")
    bureau.act("quality_reviewer", case.id, "recommendation", decision="recommend",
               experts=EXPERTS, shortlist_threshold=threshold)
    for expert, score in zip(EXPERTS, scores):
        bureau.act(expert, case.id, "expert_scoring", score=score)
    return case


def committee_votes(bureau, case, votes=("award", "award")):
    for member, vote in zip(COMMITTEE, votes):
        bureau.act(member, case.id, "committee_decision", decision=vote)


def awarded_into_ranking(bureau, case):
    bureau.act("quality_reviewer", case.id, "onsite_review", decision="pass")
    committee_votes(bureau, case)


def test_experts_score_only_their_own_instance_and_see_no_one_else(bureau):
    case = bureau.file(["quality_award"])
    bureau.act("window", case.id, "eligibility_check", decision="eligible")
    bureau.act("quality_reviewer", case.id, "recommendation", decision="recommend", experts=EXPERTS)
    own = bureau.task(case.id, "expert_scoring", "expert1")
    with pytest.raises(NotFound):     # another expert's step is not theirs to see, let alone score
        tasks.complete(bureau.db, bureau.people["expert2"], own.id, {"opinion": "x", "score": 1})
    with pytest.raises(NotFound):
        case_view.case_view(bureau.db, bureau.people["expert1"], case.id)     # no case page for experts
    seen = task_view.task_view(bureau.db, bureau.people["expert1"], own.id)
    assert seen.case is None and seen.application["company_name"]            # the application, nothing else


def test_an_expert_opens_no_scoring_step_but_their_own(bureau):
    """Any expert could open any scoring step by its number: a nomination they were not on the panel
    for (the enterprise's application) and who else scores it (the holder's name)."""
    case = bureau.file(["quality_award"])
    bureau.act("window", case.id, "eligibility_check", decision="eligible")
    bureau.act("quality_reviewer", case.id, "recommendation", decision="recommend", experts=EXPERTS[:3])
    theirs = bureau.task(case.id, "expert_scoring", "expert1")
    for outsider in ("expert2", "expert5"):                  # on the panel / not on it
        with pytest.raises(NotFound):
            task_view.task_view(bureau.db, bureau.people[outsider], theirs.id)
    bureau.act("expert1", case.id, "expert_scoring", score=800)
    with pytest.raises(NotFound):                             # nor once it is scored
        task_view.task_view(bureau.db, bureau.people["expert5"], theirs.id)
    assert task_view.task_view(bureau.db, bureau.people["expert1"], theirs.id).application


def test_later_deciders_see_every_score_and_the_trimmed_mean(bureau):
    case = to_committee(bureau)
    review = bureau.task(case.id, "onsite_review")
    seen = task_view.task_view(bureau.db, bureau.people["quality_reviewer"], review.id)
    assert sorted(score for _name, score in seen.case.panel.scores) == [600, 700, 800, 820, 900]
    assert seen.case.panel.mean == operations.trimmed_mean([900, 700, 800, 820, 600]) == pytest.approx(773.3, abs=.05)


def test_committee_majority_vote_stops_at_two_of_three(bureau):
    case = to_committee(bureau)
    bureau.act("quality_reviewer", case.id, "onsite_review", decision="pass")
    assert len([t for t in bureau.open_steps(case.id) if t == "committee_decision"]) == 3
    bureau.act("quality_approver", case.id, "committee_decision", decision="reject")
    bureau.act("quality_approver2", case.id, "committee_decision", decision="reject")
    got = bureau.outcome(case.id)
    assert (got.case.outcome, bureau.open_steps(case.id)) == ("not_awarded", [])


def test_public_notice_ends_after_seven_days_not_before(bureau):
    case = to_committee(bureau)
    awarded_into_ranking(bureau, case)
    ranking = bureau.task(case.id, "round_ranking")
    assert "complete" not in bureau.actions("quality_approver", ranking.id)
    awards.close_round(bureau.db, bureau.people["quality_approver"], ranking.id)
    notice = bureau.task(case.id, "public_notice")
    assert bureau.actions("window", notice.id)["complete"].choices["decisions"] == ["objection"]
    with pytest.raises(ValidationError):
        bureau.act("window", case.id, "public_notice", decision="no_objection")
    bureau.advance(days=6, hours=23)
    assert bureau.open_steps(case.id) == ["public_notice"] and bureau.outcome(case.id).certificates == []
    bureau.advance(hours=2)
    got = bureau.outcome(case.id)
    assert (got.case.outcome, len(got.certificates)) == ("awarded", 1) and "timer" in got.actions
    assert {s.reason for s in got.segments} == {"expert_review", "public_notice"}
    assert all(s.status == "closed" for s in got.segments)


def objected(bureau, objection: str):
    """A nomination selected when the round closed, objected to during its public notice."""
    case = to_committee(bureau)
    awarded_into_ranking(bureau, case)
    awards.close_round(bureau.db, bureau.people["quality_approver"], bureau.task(case.id, "round_ranking").id)
    bureau.act("window", case.id, "public_notice", decision="objection", objection=objection)
    return case


def test_objection_dismissed_then_a_fresh_notice_runs_out(bureau):
    case = objected(bureau, "自评分数不实")
    bureau.act("quality_reviewer", case.id, "objection_review", decision="dismissed")
    assert bureau.open_steps(case.id) == ["public_notice"]
    bureau.advance(days=7, hours=1)
    assert bureau.outcome(case.id).case.outcome == "awarded"


def test_objection_upheld(bureau):
    case = objected(bureau, "数据造假")
    bureau.act("quality_reviewer", case.id, "objection_review", decision="upheld")
    got = bureau.outcome(case.id)
    assert (got.case.outcome, got.certificates) == ("not_awarded", [])


def test_not_shortlisted(bureau):
    case = to_committee(bureau, scores=(500, 520, 480, 510, 490), threshold=600)
    got = bureau.outcome(case.id)
    assert (got.case.outcome, got.certificates) == ("not_awarded", [])


def test_quota_goes_to_the_highest_scores_of_the_round_not_the_first_finishers(bureau):
    with bureau.db.transaction() as s:
        s.get(AwardRound, "2026").quota = 1
    early = to_committee(bureau, scores=(750, 750, 750, 750, 750))
    late = to_committee(bureau, scores=(900, 900, 900, 900, 900), who="applicant_b")
    awarded_into_ranking(bureau, early)          # the committee finishes the weaker one first
    awarded_into_ranking(bureau, late)
    results = awards.close_round(bureau.db, bureau.people["quality_approver2"], bureau.task(early.id, "round_ranking").id)
    assert results[late.number] == {"rank": 1, "score": 900.0, "selected": True}
    assert results[early.number] == {"rank": 2, "score": 750.0, "selected": False}
    assert bureau.open_steps(late.id) == ["public_notice"]
    assert bureau.outcome(early.id).case.outcome == "not_awarded"
    with pytest.raises(ValidationError):          # the round is closed: no new nominations
        to_committee(bureau)


def test_a_nomination_ranked_after_the_round_closed_is_told_so(bureau):
    """Still with the experts when the round closed, a nomination reached the ranking later and was
    settled with "第1名（专家评分…），名额5个：未入选": first within a quota of five, yet not selected."""
    from sqlalchemy import select

    from workflow.storage.models import AuditEvent
    first = to_committee(bureau, scores=(800, 800, 800, 800, 800))
    later = to_committee(bureau, scores=(900, 900, 900, 900, 900), who="applicant_b")
    awarded_into_ranking(bureau, first)
    awards.close_round(bureau.db, bureau.people["quality_approver"], bureau.task(first.id, "round_ranking").id)
    awarded_into_ranking(bureau, later)
    results = awards.close_round(bureau.db, bureau.people["quality_approver"], bureau.task(later.id, "round_ranking").id)
    assert results[later.number]["selected"] is False
    with bureau.db.reading() as s:
        opinion = s.scalars(select(AuditEvent.opinion).where(AuditEvent.case_id == later.id,
                                                             AuditEvent.action == "complete")
                            .order_by(AuditEvent.seq.desc())).first()
    assert "截止" in opinion and "第1名" not in opinion, opinion


def test_a_scoring_step_is_handed_on_by_the_quality_reviewer_to_an_expert_not_on_the_panel(bureau):
    """An expert's scoring is assigned in person, so no colleague could take it: an expert who fell
    ill or left held the nomination for ever. The department's reviewer hands it on."""
    case = bureau.file(["quality_award"])
    bureau.act("window", case.id, "eligibility_check", decision="eligible")
    bureau.act("quality_reviewer", case.id, "recommendation", decision="recommend", experts=EXPERTS[:3])
    bureau.act("expert2", case.id, "expert_scoring", score=750)
    stuck = bureau.task(case.id, "expert_scoring", "expert1")
    reviewer, people = bureau.people["quality_reviewer"], bureau.people
    offered = {a.op: a for a in task_view.task_view(bureau.db, reviewer, stuck.id).actions}
    names = {c["username"] for c in offered["transfer"].choices["candidates"]}
    assert names == {"expert4", "expert5"}                   # nobody already on the panel scores twice
    for outsider in ("reviewer1", "expert3", "expert1"):       # another section; the experts themselves
        with pytest.raises((Forbidden, NotFound)):
            handover.transfer(bureau.db, people[outsider], stuck.id, people["expert4"].id)
    with pytest.raises(ValidationError):
        handover.transfer(bureau.db, reviewer, stuck.id, people["expert2"].id, "专家出差")
    handover.transfer(bureau.db, reviewer, stuck.id, people["expert4"].id, "专家出差，改由专家4评分")
    with pytest.raises(NotFound):                             # the first expert no longer sees it
        task_view.task_view(bureau.db, people["expert1"], stuck.id)
    bureau.act("expert4", case.id, "expert_scoring", score=810)
    bureau.act("expert3", case.id, "expert_scoring", score=790)
    assert {t.bpmn_id for t in open_tasks(bureau.db, case.id)} == {"onsite_review"}
    with bureau.db.reading() as s:
        moved = s.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id,
                                                   AuditEvent.action == "transfer")).one()
        assert moved.actor_id == reviewer.id and moved.data["to_user_id"] == people["expert4"].id
