"""The process diagram is bpmn-js's viewer from the repository's static files: zoom, pan, every
node the engine passed marked done, the waiting step current, lanes in Chinese."""
from __future__ import annotations

from tests.helpers import load_people, open_tasks
from tests.web.flows import accepted_food_licence


def test_task_page_diagram_marks_every_node(as_user, server, db):
    people = load_people(db)
    case = accepted_food_licence(db, people)
    review = open_tasks(db, case.id)[0]
    reviewer = as_user("food_reviewer")
    scripts = []
    reviewer.page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    page = reviewer.go(f"/tasks/{review.id}")
    page.wait_for_selector(".bpmn-view.bpmn-ready")
    assert all(url.startswith(server.url) for url in scripts)                   # no CDN
    assert page.locator('[data-element-id="document_review"].node-current').count() == 1
    for done in ("start", "acceptance"):
        assert page.locator(f'[data-element-id="{done}"].node-done').count() == 1, done
    assert page.locator('[data-element-id="approval"].node-done, [data-element-id="approval"].node-current').count() == 0
    lanes = page.eval_on_selector_all(".bpmn-canvas text", "els => els.map(e => e.textContent)")
    assert "审查员" in " ".join(lanes) and "reviewer" not in lanes
    viewport = page.locator(".bpmn-canvas .viewport")
    before = viewport.get_attribute("transform")
    page.click("[data-zoom=in]")
    assert viewport.get_attribute("transform") != before
    reviewer.shot("bpmn-viewer-task")
