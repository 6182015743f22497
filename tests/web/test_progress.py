"""The case page's progress tracker tells the truth for refused, denied and withdrawn cases."""
from __future__ import annotations

import re

from tests.web.conftest import text
from tests.web.flows import accepted_food_licence, application, open_tasks
from workflow.services import cases, tasks


def tracker(html: str) -> list[tuple[str, str]]:
    section = html[html.index('class="tracker"'):]
    section = section[:section.index("</ol>")]
    return re.findall(r'<li class="(\w+)"><span>([^<]+)</span>', section)


def test_refused_at_intake_shows_no_tick_after_the_filing(db, people, login):
    case = cases.submit(db, people["applicant_a"], ["food_license"], application("food_license"))
    tasks.complete(db, people["window"], open_tasks(db, case.id)[0].id,
                   {"opinion": "不受理", "decision": "refuse", "refuse_reason": "不属于本机关职权"})
    page = text(login("applicant_a").get(f"/cases/{case.id}"))
    states = [s for s, _ in tracker(page)]
    assert states[0] == "refused" and set(states[1:]) == {"skipped"}     # refused at acceptance: no ✓ at all
    assert "不予受理" in page[page.index('class="tracker"'):]


def test_withdrawn_marks_the_step_that_was_waiting(db, people, login):
    case = accepted_food_licence(db, people)
    cases.withdraw(db, people["applicant_a"], case.id, "不再申请")
    states = [s for s, _ in tracker(text(login("applicant_a").get(f"/cases/{case.id}")))]
    assert states[:2] == ["done", "withdrawn"] and set(states[2:]) == {"skipped"}


def test_denied_marks_the_deciding_step(db, people, login):
    case = accepted_food_licence(db, people)
    for who, data in (("food_reviewer", {"decision": "pass"}),
                      ("food_inspector", {"decision": "pass", "team": ["food_inspector", "food_inspector2"]}),
                      ("food_approver", {"decision": "deny"})):
        task = open_tasks(db, case.id)[0]
        tasks.claim(db, people[who], task.id)
        tasks.complete(db, people[who], task.id, {"opinion": "意见", **data})
    states = [s for s, _ in tracker(text(login("applicant_a").get(f"/cases/{case.id}")))]
    assert "denied" in states and states[-1] == "skipped" and states.index("denied") == len(states) - 2
