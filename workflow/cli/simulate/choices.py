"""How a simulated person picks among what the policy offers: mostly forward, sometimes sideways.

Everything chosen comes from the offered action's choices (decisions, targets, candidates,
reasons, day bounds), so a refusal of a chosen action is a defect of the engine, never of the
simulator.
"""
from __future__ import annotations

import random
from typing import Any

from workflow.domain.policy import Action

# How likely each operation is picked when offered (multiplied by the profile's side-path weight
# for everything but progress).
PROGRESS = {"complete": 40.0, "claim": 30.0, "sign": 30.0, "resolve": 30.0, "close_round": 2.0}
SIDE = {"return": 1.0, "correction": 1.0, "recall": 1.5, "transfer": 1.0, "delegate": 1.0, "reclaim": 2.0,
        "add_signer": 1.0, "remove_signer": 2.0, "copy": 0.2, "urge": 0.2, "suspend": 0.8, "resume": 6.0,
        "extension": 0.6, "unclaim": 0.5}
# Favourable decisions first; the rest keep every path of every process visited.
FAVOURABLE = {"accept": 8, "pass": 8, "approve": 8, "register": 8, "register_now": 4, "eligible": 8,
              "recommend": 8, "award": 5, "keep": 2, "dismissed": 3, "no_objection": 1}
OPINION = "模拟意见"
IDLE = 8.0   # someone who can only copy or urge usually just moves on


def pick_action(rng: random.Random, offered: list[Action], side_paths: float, round_ready: bool) -> Action | None:
    """An offered action; a round is closed only once every nomination of it has been decided."""
    offered = [a for a in offered if a.op != "close_round" or round_ready]
    weights = [(a, PROGRESS.get(a.op, SIDE.get(a.op, 0.0) * side_paths)) for a in offered]
    weights = [(a, w) for a, w in weights if w > 0] + [(None, IDLE)]
    total = sum(w for _a, w in weights)
    point = rng.random() * total
    for action, weight in weights:
        point -= weight
        if point <= 0:
            return action
    return weights[-1][0]


def params(rng: random.Random, action: Action, task, application: dict, favour: float = 1.0) -> dict[str, Any]:
    """The parameters of an offered action, chosen among its choices (``favour`` < 1 takes the
    unfavourable decisions more often)."""
    c = action.choices
    op = action.op
    if op == "complete":
        return {"data": form_data(rng, task.form_key, c, application, favour)}
    if op == "return":
        return {"target": rng.choice(c["targets"])["id"], "opinion": "请重新办理"}
    if op == "correction":
        return {"opinion": "请补正", "items": ["补充材料说明"]}
    if op in ("transfer", "delegate"):
        return {"to_user_id": rng.choice(c["candidates"])["id"], "opinion": OPINION}
    if op == "add_signer":
        return {"user_id": rng.choice(c["candidates"])["id"], "message": "请会签"}
    if op == "remove_signer":
        return {"user_id": rng.choice(c["signers"])["id"]}
    if op == "copy":
        return {"user_ids": [rng.choice(c["candidates"])["id"]], "message": "请知悉"}
    if op == "suspend":
        return {"reason": rng.choice(c["reasons"]), "note": "模拟暂停"}
    if op == "extension":
        return {"days": rng.randint(c["days"]["min"], c["days"]["max"]), "reason": "情况复杂"}
    return {"opinion": OPINION, "message": "请尽快办理"}


def _decision(rng: random.Random, decisions: list[str], favour: float) -> str:
    weights = [max(FAVOURABLE.get(d, 1) * favour, 1) for d in decisions]
    return rng.choices(decisions, weights)[0]


def form_data(rng: random.Random, form_key: str | None, choices: dict, application: dict,
              favour: float = 1.0) -> dict:
    decisions = choices.get("decisions") or []
    data: dict[str, Any] = {"opinion": OPINION}
    if decisions:
        data["decision"] = _decision(rng, decisions, favour)
    people = {name: [p["username"] for p in offered] for name, offered in (choices.get("people") or {}).items()}
    decision = data.get("decision")
    if decision == "correct":
        data["items"] = ["营业执照副本", "产品明细"]
    if decision == "refuse":
        data["refuse_reason"] = "不属于本机关受理范围"
    filler = FORM_FILLERS.get(form_key)
    if filler:
        data.update(filler(rng, decision, people, application))
    return {k: v for k, v in data.items() if v is not None}


def _inspection(rng, decision, people, application):
    team = rng.sample(people["team"], min(len(people["team"]), 2))
    return {"team": team, "findings": "记录不全" if decision == "rectify" else None,
            "rectify_days": rng.randint(5, 20) if decision == "rectify" else None}


def _vehicles(rng, decision, people, application):
    if decision != "register":
        return {}
    plates = [v["plate_number"] for v in application.get("vehicles") or []]
    rows = [{"plate_number": p, "decision": "register" if rng.random() < 0.9 else "refuse"} for p in plates]
    if rows and all(r["decision"] == "refuse" for r in rows):
        rows[0]["decision"] = "register"
    for row in rows:
        if row["decision"] == "refuse":
            row["reason"] = "气瓶检验过期"
    return {"vehicles": rows}


def _recommendation(rng, decision, people, application):
    if decision != "recommend":
        return {}
    return {"experts": rng.sample(people["experts"], min(len(people["experts"]), 5)), "shortlist_threshold": 600}


FORM_FILLERS = {
    "inspection": _inspection,
    "vehicle_check": _vehicles,
    "recommendation": _recommendation,
    "expert_score": lambda rng, d, p, a: {"score": rng.randint(550, 950)},
    "testing": lambda rng, d, p, a: {"report_number": "JY-SIM"},
    "rectification": lambda rng, d, p, a: {"report": "已按要求整改", "opinion": None},
    "correction": lambda rng, d, p, a: {"note": "已补正", "opinion": None},
    "public_notice": lambda rng, d, p, a: {"objection": "有群众反映情况"},
}
