"""Staff case search on every backend: enterprise, credit code, applicant; LIKE wildcards literal."""
from __future__ import annotations

from workflow.services import cases, queries


def test_search_on_every_backend(db, people):
    mine = cases.submit(db, people["applicant_a"], ["bench"], {"title": "甲的件"})
    theirs = cases.submit(db, people["applicant_b"], ["bench"], {"title": "乙的件"})

    def found(q: str) -> set[int]:
        return {c.id for c in queries.list_cases(db, people["window"], queries.CaseFilters(q=q)).items}

    assert found("甲食品") == {mine.id} and found("91440300ma5g") == {theirs.id}
    assert found("applicant_b") == {theirs.id} and found(" ") == {mine.id, theirs.id}
    assert found("%") == set() and found("甲_") == set() and found("\\") == set()
    labels = queries.case_labels(db, [mine.id])
    assert (labels[mine.id].enterprise, labels[mine.id].applicant) == ("福州甲食品有限公司", "applicant_a")
