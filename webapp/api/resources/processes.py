"""Process versions in production (administrators): move running instances, retry failed ones."""
from __future__ import annotations

from dataclasses import asdict

from webapp.api.base import ApiBlueprint, actor, get_db, guarded, paged, require_id
from webapp.api.schemas.base import PageQuery
from webapp.api.schemas.processes import FailedPage, MigrationOutcome, MigrationPlan, RetryResult
from workflow.services import failures, versions

blp = ApiBlueprint("processes", __name__, url_prefix="/api/v1/processes", tag="processes",
                   description="Process versions in production (administrators).")


@blp.route("/migrations", methods=["POST"])
@guarded(blp, 403, 422, roles=versions.MIGRATORS)
@blp.arguments(MigrationPlan)
@blp.response(200, MigrationOutcome)
def migrate(plan):
    """Move the running instances of one version to another (`dry_run`, the default, changes nothing)

    An instance moves when every step it is at and has done exists in the target, under its own
    id or the id `mapping` gives it; each move is audited. `refused` says why the others stay.
    """
    run = versions.dry_run if plan["dry_run"] else versions.migrate
    outcome = run(get_db(), actor(), versions.Plan(plan["process_id"], plan["source"], plan["target"],
                                                   plan["mapping"]))
    return {"dry_run": plan["dry_run"], "movable": [asdict(c) for c in outcome.movable],
            "refused": [asdict(c) for c in outcome.refused]}


@blp.route("/failed", methods=["GET"])
@guarded(blp, 403)
@blp.arguments(PageQuery, location="query")
@blp.response(200, FailedPage)
def failed(query):
    """Instances whose engine step or service task failed in a sweep, most recent first"""
    page = failures.failed_instances(get_db(), actor(), query["page"], query["per_page"])
    return paged(page, [asdict(item) for item in page.items])


@blp.route("/failed/<int:instance_id>/retry", methods=["POST"])
@guarded(blp, 403, 404, 409)
@blp.response(200, RetryResult)
def retry(instance_id):
    """Retry a failed instance now; `failure` carries the new error when it failed again"""
    still = failures.retry(get_db(), actor(), require_id(instance_id))
    return {"ok": still is None, "failure": asdict(still) if still else None}
