"""好差评 on the pages: no level pre-selected, a bad rating answered from the case page, the
dashboard's 差评整改率; the same through the API."""
from __future__ import annotations

import re

from tests.web.conftest import text
from tests.web.flows import granted


def test_rate_answer_and_rectification_rate(db, people, login):
    case = granted(db, people)
    applicant = login("applicant_a")
    page = text(applicant.get(f"/cases/{case.id}"))
    assert 'id="rate-bench"' in page and "checked" not in re.search(r'id="rate-bench".*?</form>', page, re.S).group(0)
    refused = applicant.post(f"/my/cases/{case.id}/rate", data={"level": "1", "matter": "bench"})
    assert refused.status_code == 422
    assert applicant.post(f"/my/cases/{case.id}/rate", data={"level": "1", "comment": "窗口无人", "matter": "bench"}
                          ).status_code == 302
    supervisor = login("supervisor")
    board = text(supervisor.get("/supervisor/"))
    assert "差评整改率" in board and "0.0%" in board and case.number in board
    rating_id = re.search(r'name="rating_id" value="(\d+)"', text(supervisor.get(f"/cases/{case.id}"))).group(1)
    assert login("auditor").post(f"/supervisor/cases/{case.id}/rating_reply",
                                 data={"rating_id": rating_id, "reply": "x"}).status_code == 403
    sent = supervisor.post(f"/supervisor/cases/{case.id}/rating_reply", data={"rating_id": rating_id,
                                                                              "reply": "已增设午间值班"})
    assert sent.status_code == 302
    assert "已增设午间值班" in text(applicant.get(f"/cases/{case.id}"))
    assert "100.0%" in text(supervisor.get("/supervisor/"))


def test_rating_reply_through_the_api(db, people, app):
    from tests.api.conftest import Api
    case = granted(db, people)
    api = Api(app.test_client())
    rated = api.post(f"/api/v1/cases/{case.id}/rating", as_="applicant_a", json={"level": 2, "comment": "慢"})
    assert rated.status_code == 201 and rated.get_json()["matter_code"] == "bench"
    detail = api.get(f"/api/v1/cases/{case.id}", as_="supervisor").get_json()
    offer = next(a for a in detail["actions"] if a["op"] == "rating_reply")
    assert offer["ratings"] == [rated.get_json()["id"]]
    bad = api.post(f"/api/v1/cases/{case.id}/rating_reply", as_="supervisor", json={"rating_id": 0, "reply": "好"})
    assert bad.status_code == 422 and "rating_id" in bad.get_json()["error"]["fields"]
    ok = api.post(f"/api/v1/cases/{case.id}/rating_reply", as_="supervisor",
                  json={"rating_id": offer["ratings"][0], "reply": "已整改"})
    assert ok.status_code == 200 and ok.get_json()["reply"] == "已整改"
    mine = api.get(f"/api/v1/cases/{case.id}", as_="applicant_a").get_json()
    assert mine["ratings"][0]["reply"] == "已整改" and mine["rating"]["level"] == 2
