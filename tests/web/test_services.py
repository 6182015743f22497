"""The read-side and upload services the pages stand on: reports, attachments, the timer thread."""
from __future__ import annotations

import io
from datetime import date
import threading
import time
import zipfile

import pytest

from tests.conftest import BACKENDS, fresh_database
from tests.web.flows import granted, submit
from workflow.errors import Forbidden, NotFound, ValidationError
from workflow.services import attachments, case_view, queries, report_export, reports, task_view
from workflow.services.worker import TimerWorker


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path, sqlite_template):
    """Unlike the pages, the services run on every configured backend (PostgreSQL when TEST_DATABASE_URL is set)."""
    yield from fresh_database(request, tmp_path, sqlite_template, request.param)


def test_percentile_and_rates():
    assert reports.percentile([], 50) is None
    assert reports.percentile([4.0], 90) == 4.0
    assert reports.percentile([1, 2, 3, 4], 50) == 2.5
    assert reports.percentile(list(range(11)), 90) == pytest.approx(9.0)
    assert reports.rate(1, 0) is None and reports.rate(1, 4) == 0.25


def test_dashboard_and_period_figures(db, people):
    done = granted(db, people)
    submit(db, people)
    from workflow.services import cases
    cases.rate(db, people["applicant_a"], done.id, 2, "太慢")
    board = reports.dashboard(db, people["supervisor"])
    bench = next(r for r in board.rows if r.matter == "bench")
    assert (bench.received, bench.completed, bench.granted, bench.in_progress) == (2, 1, 1, 1)
    assert bench.completion_rate == 0.5 and bench.satisfaction_rate == 0.0 and bench.time.count == 1
    assert {s.bpmn_id for s in board.steps} == {"intake", "check_a", "check_b", "decide"}
    assert len(board.trend) == 12 and board.trend[-1][1] == 2
    assert any(w.completed for w in board.workload)
    with pytest.raises(Forbidden):
        reports.dashboard(db, people["reviewer1"])
    csv_text = report_export.to_csv(reports.period_report(db, people["supervisor"], board.period_from, board.period_to))
    assert csv_text.startswith("\ufeffmatter,received") and "bench,2," in csv_text


def test_empty_office_figures(db, people):
    board = reports.dashboard(db, people["supervisor"])
    assert board.rows == [] and board.total.completion_rate is None and board.red == []


def test_sniffing_by_content_not_name():
    assert attachments.sniff(b"%PDF-1.7 ...") == "pdf"
    assert attachments.sniff(b"\xff\xd8\xff\xe0....") == "jpg"
    assert attachments.sniff(b"\x89PNG\r\n\x1a\n....") == "png"
    ofd = io.BytesIO()
    with zipfile.ZipFile(ofd, "w") as z:
        z.writestr("OFD.xml", "<ofd:OFD/>")
    assert attachments.sniff(ofd.getvalue()) == "ofd"
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as z:
        z.writestr("a.txt", "x")
    assert attachments.sniff(plain_zip.getvalue()) is None
    assert attachments.sniff(b"PK\x03\x04broken") is None
    assert attachments.sniff(b"GIF89a") is None


def test_safe_names():
    assert attachments.safe_name("../../etc/passwd", "pdf") == "etc/passwd".split("/")[-1] + ".pdf"
    assert attachments.safe_name("C:\\x\\营业执照.pdf", "pdf") == "营业执照.pdf"
    assert attachments.safe_name("", "png") == "png.png"
    assert "/" not in attachments.safe_name("a/b<c>.pdf", "pdf")


def test_upload_rules(db, people, tmp_path):
    case = submit(db, people)
    pdf = attachments.Upload("other", "执照.pdf", b"%PDF-1.4 x")
    row = attachments.upload(db, people["applicant_a"], case.id, pdf, root=tmp_path)
    assert row.size == 10 and row.content_type == "application/pdf" and (tmp_path / case.number).is_dir()
    again = attachments.upload(db, people["reviewer1"], case.id, pdf, root=tmp_path)
    assert again.path == row.path  # same content, stored once
    with pytest.raises(NotFound):
        attachments.upload(db, people["applicant_b"], case.id, pdf, root=tmp_path)
    with pytest.raises(NotFound):
        attachments.upload(db, people["food_reviewer"], case.id, pdf, root=tmp_path)
    with pytest.raises(ValidationError) as exc:
        attachments.upload(db, people["applicant_a"], case.id, attachments.Upload("x", "a.pdf", b"MZ"), root=tmp_path)
    assert "file" in exc.value.fields
    with pytest.raises(ValidationError):
        attachments.upload(db, people["applicant_a"], case.id,
                           attachments.Upload("x", "a.pdf", b"%PDF" + b"0" * attachments.MAX_BYTES), root=tmp_path)
    with pytest.raises(ValidationError):
        attachments.upload(db, people["applicant_a"], case.id, attachments.Upload("../x", "a.pdf", b"%PDF-"),
                           root=tmp_path)
    held = [a.id for a in attachments.for_case(db, people["applicant_a"], case.id)]
    with pytest.raises(ValidationError) as exc:       # a good file of a material no matter of the case names
        attachments.upload(db, people["applicant_a"], case.id, attachments.Upload("business_license", "a.pdf",
                                                                                  b"%PDF-1.4 y"), root=tmp_path)
    assert list(exc.value.fields) == ["kind"]
    assert [a.id for a in attachments.for_case(db, people["applicant_a"], case.id)] == held
    found, path = attachments.download(db, people["applicant_a2"], row.id)
    assert path.read_bytes() == b"%PDF-1.4 x"
    with pytest.raises(NotFound):
        attachments.download(db, people["applicant_b"], row.id)


def test_case_queries_respect_visibility(db, people):
    case = submit(db, people)
    assert queries.list_cases(db, people["applicant_b"]).total == 0
    assert queries.list_cases(db, people["food_reviewer"]).total == 0
    assert queries.list_cases(db, people["reviewer3"]).total == 1
    assert queries.list_cases(db, people["expert1"]).total == 0
    with pytest.raises(NotFound):
        case_view.case_view(db, people["applicant_b"], case.id)
    detail = case_view.case_view(db, people["applicant_a"], case.id)
    assert detail.holders[0].assignee is None and detail.open_tasks == []     # staff steps are the office's


def test_certificate_verification_needs_a_number_or_token(db):
    for number, token in (("", ""), ("nope", None), (None, "nope")):
        with pytest.raises(NotFound):
            queries.verify_certificate(db, number=number, token=token)


def test_the_timer_thread_sweeps_until_stopped(db):
    """The embedded server's thread runs the timer worker's loop until its event is set."""
    stop = threading.Event()
    worker = TimerWorker(db, interval=0.01, stop=stop)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while worker.stats.passes < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    thread.join(5)
    assert not thread.is_alive() and worker.stats.passes >= 2 and worker.stats.failures == 0


def test_progress_steps_follow_the_bpmn_steps_and_tell_the_truth_at_the_end():
    from workflow.domain.progress import matter_progress

    def states(running, outcome, completed=(), open_steps=(), lang="zh"):
        return [s.state for s in matter_progress("industrial_license", running, outcome, set(completed),
                                                 set(open_steps), lang)]
    assert states(True, None, open_steps={"acceptance"}) == ["current", "todo", "todo", "todo", "todo", "todo"]
    assert states(True, None, {"acceptance"}, {"correction"}) == ["current", "todo", "todo", "todo", "todo", "todo"]
    assert states(True, None, {"acceptance", "document_review", "onsite_inspection"}, {"rectification"}) == \
        ["done", "done", "current", "todo", "todo", "todo"]
    refused = states(False, "refused", {"acceptance"})
    assert refused == ["refused", "skipped", "skipped", "skipped", "skipped", "skipped"]   # no ✓ anywhere
    granted = states(False, "granted", {"acceptance", "document_review", "onsite_inspection", "approval"})
    assert granted == ["done", "done", "done", "skipped", "done", "done"]
    assert states(False, "withdrawn", {"acceptance"}, ()) == ["done", "withdrawn", "skipped", "skipped", "skipped",
                                                              "skipped"]              # where it was waiting
    assert states(False, "withdrawn") == ["withdrawn", "skipped", "skipped", "skipped", "skipped", "skipped"]
    assert states(False, "denied", {"acceptance", "document_review"}) == \
        ["done", "denied", "skipped", "skipped", "skipped", "skipped"]                 # the step that denied it
    assert states(False, "denied", {"acceptance", "document_review", "onsite_inspection", "approval"}) == \
        ["done", "done", "done", "skipped", "denied", "skipped"]
    en = matter_progress("food_license", True, None, {"acceptance"}, {"onsite_inspection"}, "en")
    assert en[2].state == "current" and en[2].title.startswith("On-site")


def test_every_list_query_runs(db, people):
    """Smoke test of each read query on this backend, with a few rows in the office."""
    from datetime import date

    from tests.web.flows import open_tasks
    done = granted(db, people)
    running = submit(db, people, green=True)
    assert queries.audit_search(db, people["auditor"], queries.AuditFilters(
        case_number=done.number, actor="reviewer", action="complete", date_from=date(2020, 1, 1),
        date_to=date(2100, 1, 1), text="通过")).total == 2
    assert "complete" in queries.audit_actions(db)
    case, events = queries.case_timeline(db, people["auditor"], done.id)
    assert events[0].action == "submit" and queries.case_by_number(db, people["auditor"], done.number).id == done.id
    assert queries.verify_chain(db, people["auditor"]).ok
    versions = queries.process_versions(db, people["admin"])
    bench = next(r for r in versions.items if r.version.process_id == "engine_bench")
    assert (bench.running, bench.total) == (1, 2)
    version, on_version = queries.cases_on_version(db, people["admin"], bench.version.id)
    assert on_version.total == 2
    assert queries.list_users(db, people["admin"], role="reviewer").total == 6
    assert queries.list_organisations(db, people["admin"])
    assert queries.holidays_of_year(db, people["admin"], 2026) and 2026 in queries.holiday_years(db)
    task = open_tasks(db, running.id)[0]
    detail = task_view.task_view(db, people["reviewer1"], task.id)
    assert detail.current_ids == {"intake"} and detail.case.case.id == running.id
    assert queries.case_labels(db, [running.id])[running.id][0] == running.number
    assert queries.list_cases(db, people["window"], queries.CaseFilters(status="completed", matter="bench",
                                                                        q=done.number)).total == 1
    assert queries.deployed_process_ids(db) >= {"engine_bench", "food_license"}
    assert queries.window_queue(db, people["window"]).total == 0  # the bench process has no window step
    from tests.web.flows import application
    from workflow.services import cases
    joint = cases.submit(db, people["applicant_a"], ["food_license", "equipment_registration"],
                         {**application("food_license"), **application("equipment_registration")})
    queue = queries.window_queue(db, people["window"])
    assert queue.total == 1 and queue.items[0][0].id == joint.id and len(queue.items[0][2]) == 2


def test_generated_secret_key_is_kept(tmp_path):
    from webapp import _local_secret
    path = tmp_path / "var" / "secret_key"
    first = _local_secret(path)
    assert len(first) == 64 and _local_secret(path) == first
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_period_timings_and_trend_follow_office_days(db, people):
    """Medians and 90th percentiles equal the Python ranking on every backend; days and months are the
    office's; cases moved to another day leave the summary rows of the old one."""
    from datetime import datetime, timedelta, timezone
    from workflow.storage.models import Case
    durations = [1.5, 2.0, 4.25, 7.0, 11.0]
    start = datetime(2026, 3, 31, 17, 0, tzinfo=timezone.utc)     # 1 April, 01:00 in the office
    ids = [granted(db, people).id for _ in durations]
    with db.transaction() as s:
        for case_id, days in zip(ids, durations):
            case = s.get(Case, case_id)
            case.created_at, case.completed_at = start, start + timedelta(days=days)
    report = reports.period_report(db, people["supervisor"], date(2026, 4, 1), date(2026, 4, 30))
    assert (report.total.time.count, report.total.time.median) == (5, 4.25)
    assert report.total.time.p90 == pytest.approx(reports.percentile(durations, 90))
    assert report.rows[0].time == report.total.time
    assert reports.period_report(db, people["supervisor"], date(2026, 3, 1), date(2026, 3, 31)).total.received == 0
    trend = dict((month, (received, completed)) for month, received, completed in
                 reports.dashboard(db, people["supervisor"], now=datetime(2026, 5, 20, tzinfo=timezone.utc)).trend)
    assert trend["2026-04"] == (5, 5) and trend["2026-03"] == (0, 0)


def test_case_search_by_number_title_enterprise_and_credit_code(db, people, monkeypatch):
    from tests.helpers import ORG_A, ORG_B
    from workflow.services.queries import CaseFilters
    mine, theirs = submit(db, people, title="糕点生产"), submit(db, people, who="applicant_b", title="机械加工")
    found = lambda q: [c.id for c in queries.list_cases(db, people["supervisor"], CaseFilters(q=q)).items]  # noqa: E731
    assert found(mine.number) == [mine.id]
    assert found("糕点") == [mine.id]
    assert found(ORG_B[1][2:5]) == [theirs.id]              # part of the enterprise's name
    assert found(ORG_A[0]) == [mine.id]                      # its unified social credit code
    assert found("%") == [] and found("x_y") == []           # wildcards are searched for literally
    assert sorted(found("  ")) == sorted([mine.id, theirs.id])
    assert sorted(found("有限公司")) == sorted([mine.id, theirs.id])
    monkeypatch.setattr(queries, "MATCH_LIMIT", 1)          # more matches than the id list takes
    assert sorted(found("有限公司")) == sorted([mine.id, theirs.id]) and found("糕点") == [mine.id]
