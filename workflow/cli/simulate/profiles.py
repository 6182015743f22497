"""What a simulated bureau receives: how many filings of each matter over how long.

The default profile is the half-year one district reported (docs/domain.md, seed 004):
2 industrial product licences, 3 food licences, 119 installation notices, 644 use
registrations and 782 CNG vehicle certificates filed in batches, plus a round of
quality-award nominations and some joint filings.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from workflow.timekeeping.workdays import OFFICE_TZ


@dataclass(frozen=True)
class Profile:
    name: str
    start: datetime
    weeks: int
    filings: dict[str, int]                  # matter code -> cases
    cng_vehicles: int = 0                    # CNG certificates, filed in batches of 1..cng_batch_max
    cng_batch_max: int = 8
    joint_filings: int = 0                   # food licence + boiler registration
    award_nominations: int = 0
    award_quota: int = 2
    amendments: int = 0                      # changes / cancellations of licences granted in the run
    enterprises: int = 20
    extra_weeks: int = 12                    # after the last filing, until every case has ended
    side_paths: float = 1.0                  # weight of the off-the-happy-path actions
    favour: float = 1.0                      # < 1: unfavourable decisions (correct, refuse, deny…) more often
    options: dict = field(default_factory=dict)


START = datetime(2026, 1, 5, 9, 0, tzinfo=OFFICE_TZ)     # a Monday; the holiday table covers 2026

PROFILES = {
    "half-year": Profile(
        "half-year", START, weeks=26,
        filings={"industrial_license": 2, "food_license": 3, "equipment_notice": 119, "equipment_registration": 644},
        cng_vehicles=782, joint_filings=6, award_nominations=6, amendments=2, enterprises=60),
    "small": Profile(
        "small", START, weeks=3,
        filings={"industrial_license": 3, "food_license": 4, "equipment_notice": 3, "equipment_registration": 6},
        cng_vehicles=12, cng_batch_max=4, joint_filings=2, award_nominations=3, amendments=2, enterprises=6,
        side_paths=3.0),
    "tiny": Profile(
        "tiny", START, weeks=2,
        filings={"industrial_license": 2, "food_license": 2, "equipment_notice": 1, "equipment_registration": 2},
        cng_vehicles=4, cng_batch_max=3, joint_filings=1, award_nominations=2, amendments=1, enterprises=4,
        side_paths=4.0),
    "paths": Profile(
        "paths", START, weeks=2,
        filings={"industrial_license": 8, "food_license": 6, "equipment_registration": 4},
        cng_vehicles=10, cng_batch_max=2, joint_filings=3, award_nominations=4, amendments=4, enterprises=5,
        side_paths=8.0, favour=0.25),
}
