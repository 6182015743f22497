"""The simulator's printout: actions taken, invariant breaks, speed, the period report."""
from __future__ import annotations

from workflow.cli.simulate import Report
from workflow.domain.matters import MATTERS


def lines(report: Report) -> list[str]:
    out = [f"bureau simulation · profile {report.profile} · seed {report.seed}",
           f"  cases filed {report.cases}, finished {report.finished}, certificates {report.certificates}",
           "  outcomes: " + ", ".join(f"{k or 'running'} {n}" for k, n in sorted(report.outcomes.items(),
                                                                              key=lambda kv: str(kv[0])))]
    out.append(f"  actions {report.total_actions} in {report.seconds:.1f} s "
               f"({report.total_actions / report.seconds if report.seconds else 0:.0f} actions/s)")
    out.append("  by operation: " + ", ".join(f"{op} {n}" for op, n in report.actions.most_common()))
    out.append(f"  invariant breaks: {len(report.breaks)}")
    out += [f"    {b}" for b in report.breaks[:50]]
    if report.period:
        p = report.period
        out.append(f"period report {p.date_from} – {p.date_to}")
        for row in [*p.rows, p.total]:
            title = MATTERS[row.matter].title_zh if row.matter in MATTERS else row.matter
            out.append(f"  {title:24} received {row.received:4}  completed {row.completed:4}  granted {row.granted:4}"
                       f"  withdrawn {row.withdrawn:3}  units {row.items:4}  certificates {row.certificates:4}"
                       f"  on time {_pct(row.on_time_rate)}  satisfied {_pct(row.satisfaction_rate)}"
                       f" ({row.ratings})  bad answered {_pct(row.rectification_rate)}")
    return out


def _pct(value: float | None) -> str:
    return "   —  " if value is None else f"{value * 100:5.1f}%"
