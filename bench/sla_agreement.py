"""SLA agreement: does Civic311's SLA clock (civic311/cases/sla.py) reproduce Boston's
on-time flags?

Data: ../shared/data/boston/boston_311_2015_by_type_partial.csv.gz (121,145 cases of 2015,
153 service types; OPEN_DT, TARGET_DT, CLOSED_DT and OnTime_Status, local Boston time).
Boston's flag is exactly "closed by TARGET_DT" for closed cases and "TARGET_DT not yet
passed when the file was exported" for open ones; a case without TARGET_DT is always
ONTIME (no clock ran). So agreeing with the flag means computing the same deadline.

Method, cases split in two halves by a hash of CASE_ENQUIRY_ID (or by date, --split time):

1. the business calendar: a Monday–Friday week and the city's 2015 holidays (the official
   Massachusetts/Boston list below, what a city would type into the admin). Its opening
   and closing times are chosen on the training half from a small grid (the pair that
   reproduces the most training targets of the business-hours types), and each holiday
   is checked against the training half: a configured holiday the data contradict, or a
   weekday the data treat as a holiday, is reported and corrected (both figures shown);
2. per service type, on the training half: the calendar-hours candidate (the most common
   OPEN→TARGET on the local clock, to ¼ h) and the business-hours candidate (the most
   common working time between OPEN and TARGET under that calendar, to ¼ h); the rule is
   the candidate whose deadline, computed by `civic311.cases.sla.expected_at`, lands within
   5 minutes of Boston's TARGET_DT for more training cases. A type is inferable when it has
   at least --min-train training cases with a target and its rule reproduces at least
   --min-fit of them;
3. on the test half: the expected date of every case of an inferable type (with a
   TARGET_DT) from OPEN_DT by sla.expected_at; on-time = CLOSED_DT ≤ expected (closed
   cases) or export time ≤ expected (open ones; the export time is the file's last
   timestamp); agreement with OnTime_Status, overall and per type. Shown alongside: the
   share of TARGET_DTs reproduced within 5 minutes, and the ceiling (the flag recomputed
   from Boston's own TARGET_DT).

    .venv/bin/python bench/sla_agreement.py
    .venv/bin/python bench/sla_agreement.py --split time --per-type 40
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import os
import statistics
import sys
import time as clock
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from civic311.cases.sla import WorkCalendar
    from civic311.catalog.models import ServiceType

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = Path(os.environ.get("CIVIC311_SHARED_DATA", ROOT.parent / "shared" / "data"))
EXPORT = Path("boston") / "boston_311_2015_by_type_partial.csv.gz"
BOSTON = ZoneInfo("America/New_York")
FORMAT = "%m/%d/%Y %I:%M:%S %p"
TOLERANCE = timedelta(minutes=5)
# City of Boston / Massachusetts holidays for 2015 and early 2016 (deadlines of late-2015
# cases run into January), as a city would enter them in the admin.
HOLIDAYS = {
    date(2015, 1, 1): "New Year's Day", date(2015, 1, 19): "Martin Luther King Jr. Day",
    date(2015, 2, 16): "Presidents' Day", date(2015, 4, 20): "Patriots' Day",
    date(2015, 5, 25): "Memorial Day", date(2015, 7, 3): "Independence Day (observed)",
    date(2015, 9, 7): "Labor Day", date(2015, 10, 12): "Columbus Day", date(2015, 11, 11): "Veterans Day",
    date(2015, 11, 26): "Thanksgiving Day", date(2015, 12, 25): "Christmas Day",
    date(2016, 1, 1): "New Year's Day", date(2016, 1, 18): "Martin Luther King Jr. Day",
    date(2016, 2, 15): "Presidents' Day",
}
OPENINGS = (time(8), time(8, 30), time(9))
CLOSINGS = (time(16), time(16, 30), time(17), time(17, 30))


@dataclass
class Case:
    case_id: str
    type: str
    opened: datetime
    target: datetime | None
    closed: datetime | None
    flag: str  # ONTIME / OVERDUE / ""


@dataclass
class Rule:
    kind: str  # "calendar" or "business"
    hours: float
    train_cases: int
    train_fit: float
    other_fit: float  # the losing candidate's fit, for the report
    service_type: ServiceType | None = field(repr=False, default=None)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def setup_django() -> None:
    # Only the SLA arithmetic and unsaved ServiceType rows are used: no database.
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic311.config.settings")
    import django

    django.setup()


def parse(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    return datetime.strptime(value, FORMAT).replace(tzinfo=BOSTON)


def read_cases(path: Path) -> tuple[list[Case], Counter[str]]:
    skipped: Counter[str] = Counter()
    cases = []
    with gzip.open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
        for row in csv.DictReader(text):
            try:
                opened = parse(row["OPEN_DT"])
                if opened is None:
                    raise ValueError("no OPEN_DT")
                cases.append(Case(row["CASE_ENQUIRY_ID"], row["TYPE"].strip(), opened, parse(row["TARGET_DT"]),
                                  parse(row["CLOSED_DT"]), row["OnTime_Status"].strip()))
            except ValueError:
                skipped["unreadable dates"] += 1
    return cases, skipped


def in_training_half(case: Case, split: str, median_open: datetime) -> bool:
    if split == "time":
        return case.opened < median_open
    return hashlib.md5(case.case_id.encode(), usedforsecurity=False).digest()[0] % 2 == 0


def make_calendar(opens: time, closes: time, holidays: Iterable[date]) -> WorkCalendar:
    from civic311.cases.sla import WorkCalendar

    return WorkCalendar(zone=BOSTON, week={d: [(opens, closes)] for d in range(5)}, holidays=frozenset(holidays))


def service_type(name: str, kind: str, hours: float) -> ServiceType:
    from civic311.catalog.models import ServiceType

    return ServiceType(code=name[:100], name=name, sla_kind=kind, sla_hours=Decimal(f"{hours:.2f}"))


def expected(st: ServiceType | None, case: Case, calendar: WorkCalendar) -> datetime:
    from civic311.cases.sla import expected_at

    assert st is not None
    due = expected_at(st, case.opened, calendar=calendar)
    assert due is not None
    return due


def target_of(case: Case) -> datetime:
    assert case.target is not None
    return case.target


def fits(due: datetime, target: datetime) -> bool:
    return abs(due - target) <= TOLERANCE


def quarter(hours: float) -> float:
    return round(hours * 4) / 4


def candidates(cases: list[Case], calendar: WorkCalendar) -> dict[str, float]:
    from civic311.cases.sla import business_time_between

    wall = Counter(quarter((target_of(c).replace(tzinfo=None) - c.opened.replace(tzinfo=None)).total_seconds() / 3600)
                   for c in cases)
    work = Counter(quarter(business_time_between(c.opened, target_of(c), calendar).total_seconds() / 3600)
                   for c in cases)
    return {"calendar": wall.most_common(1)[0][0], "business": work.most_common(1)[0][0]}


def infer_rule(name: str, cases: list[Case], calendar: WorkCalendar) -> Rule:
    best: Rule | None = None
    fit_of: dict[str, float] = {}
    for kind, hours in candidates(cases, calendar).items():
        if hours <= 0:
            fit_of[kind] = 0.0
            continue
        st = service_type(name, kind, hours)
        fit = sum(fits(expected(st, c, calendar), target_of(c)) for c in cases) / len(cases)
        fit_of[kind] = fit
        if best is None or fit > best.train_fit:
            best = Rule(kind, hours, len(cases), fit, 0.0, st)
    if best is None:
        return Rule("none", 0, len(cases), 0.0, 0.0)
    best.other_fit = max((f for k, f in fit_of.items() if k != best.kind), default=0.0)
    return best


def matched(rows: list[tuple[Rule, Case]], calendar: WorkCalendar) -> int:
    return sum(fits(expected(rule.service_type, c, calendar), target_of(c)) for rule, c in rows)


def tune_calendar(business_rows: list[tuple[Rule, Case]], holidays: dict[date, str]) -> tuple[
        time, time, set[date], list[str]]:
    """Opening/closing times and holiday corrections that reproduce the most training targets."""
    scores = {(o, c): matched(business_rows, make_calendar(o, c, holidays)) for o in OPENINGS for c in CLOSINGS}
    opens, closes = max(scores, key=lambda k: scores[k])
    log(f"working hours on the training half: {opens:%H:%M}–{closes:%H:%M} "
        f"({scores[(opens, closes)]:,} of {len(business_rows):,} targets reproduced; grid "
        + ", ".join(f"{o:%H:%M}-{c:%H:%M} {s:,}" for (o, c), s in sorted(scores.items())) + ")")
    chosen = set(holidays)
    notes = []
    calendar = make_calendar(opens, closes, chosen)
    due = [expected(rule.service_type, c, calendar) for rule, c in business_rows]
    fit = [fits(d, target_of(c)) for d, (_, c) in zip(due, business_rows, strict=True)]
    # A day matters only to the cases whose clock runs over it.
    spans = [(c.opened.date(), max(d, target_of(c)).date()) for d, (_, c) in zip(due, business_rows, strict=True)]
    first, last = min(a for a, _ in spans), max(b for _, b in spans)
    day = first
    while day <= last:
        if day.weekday() < 5:
            affected = [i for i, (a, b) in enumerate(spans) if a <= day <= b]
            trial = make_calendar(opens, closes, chosen ^ {day})
            new_due = {i: expected(business_rows[i][0].service_type, business_rows[i][1], trial) for i in affected}
            new_fit = {i: fits(d, target_of(business_rows[i][1])) for i, d in new_due.items()}
            gain = sum(new_fit.values()) - sum(fit[i] for i in affected)
            # A correction must explain at least 0.5 % of the business-hours training cases.
            if gain > 0.005 * len(business_rows):
                what = (f"{day} ({holidays[day]}) is configured as a holiday but Boston's clock ran that day"
                        if day in holidays else f"{day} is a weekday Boston's clock skipped")
                notes.append(f"{what}: +{gain:,} training targets reproduced")
                chosen ^= {day}
                for i in affected:
                    due[i], fit[i] = new_due[i], new_fit[i]
                    spans[i] = (spans[i][0], max(spans[i][1], due[i].date()))
        day += timedelta(days=1)
    return opens, closes, chosen, notes


def on_time(due: datetime, case: Case, exported: datetime) -> str:
    end = case.closed if case.closed is not None else exported
    return "ONTIME" if end <= due else "OVERDUE"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="folder of real city data")
    parser.add_argument("--split", choices=("hash", "time"), default="hash",
                        help="training/test halves by a hash of the case id (default) or by opening date")
    parser.add_argument("--min-train", type=int, default=20, help="training cases a type needs (default 20)")
    parser.add_argument("--min-fit", type=float, default=0.5,
                        help="share of training targets the rule must reproduce (default 0.5)")
    parser.add_argument("--per-type", type=int, default=30, help="types listed, largest first (default 30)")
    args = parser.parse_args()
    path = args.shared / EXPORT
    if not path.is_file():
        raise SystemExit(f"{path}: not found (pass --shared)")
    setup_django()
    started = clock.perf_counter()
    cases, skipped = read_cases(path)
    exported = max(max(c.closed or c.opened for c in cases), max(c.opened for c in cases))
    median_open = statistics.median_low([c.opened for c in cases])
    log(f"{len(cases):,} cases read; export time taken as {exported:%Y-%m-%d %H:%M} (last timestamp)")

    train: dict[str, list[Case]] = defaultdict(list)
    test: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        (train if in_training_half(case, args.split, median_open) else test)[case.type].append(case)
    types = sorted(set(train) | set(test))
    with_target = {name: sum(c.target is not None for c in train[name]) for name in types}

    def infer_all(calendar: WorkCalendar) -> dict[str, Rule]:
        rules = {}
        for name in types:
            targeted = [c for c in train[name] if c.target is not None]
            if len(targeted) >= args.min_train:
                rules[name] = infer_rule(name, targeted, calendar)
        return rules

    configured = make_calendar(time(8, 30), time(17), HOLIDAYS)
    first_rules = infer_all(configured)
    business_rows = [(r, c) for name, r in first_rules.items() if r.kind == "business" and r.train_fit >= args.min_fit
                     for c in train[name] if c.target is not None]
    opens, closes, holidays, notes = tune_calendar(business_rows, HOLIDAYS)
    for note in notes:
        log("calendar check: " + note)
    tuned = make_calendar(opens, closes, holidays)
    results = {}
    for label, calendar in (("configured", make_calendar(opens, closes, HOLIDAYS)), ("corrected", tuned)):
        rules = infer_all(calendar)
        results[label] = (calendar, rules, evaluate(rules, test, types, calendar, exported, args, with_target))
    report(results, skipped, cases, args, opens, closes, notes, clock.perf_counter() - started)


@dataclass
class TypeResult:
    rule: Rule | None
    reason: str  # why excluded, or ""
    rows: int = 0
    agree: int = 0
    reproduced: int = 0
    ceiling: int = 0
    no_target: int = 0
    no_flag: int = 0


def evaluate(rules: dict[str, Rule], test: dict[str, list[Case]], types: list[str], calendar: WorkCalendar,
             exported: datetime, args: argparse.Namespace, with_target: dict[str, int]) -> dict[str, TypeResult]:
    out: dict[str, TypeResult] = {}
    for name in types:
        rule = rules.get(name)
        cases = test[name]
        if rule is None:
            out[name] = TypeResult(None, "no TARGET_DT in the training half" if not with_target.get(name)
                                   else f"fewer than {args.min_train} training cases with a target")
        elif rule.train_fit < args.min_fit:
            out[name] = TypeResult(rule, f"no rule reproduces {args.min_fit:.0%} of training targets")
        else:
            out[name] = TypeResult(rule, "")
        result = out[name]
        for case in cases:
            if case.target is None:
                result.no_target += 1
                continue
            if not case.flag:
                result.no_flag += 1
                continue
            result.rows += 1
            if result.reason:
                continue
            assert rule is not None
            due = expected(rule.service_type, case, calendar)
            result.agree += on_time(due, case, exported) == case.flag
            result.reproduced += fits(due, case.target)
            result.ceiling += on_time(case.target, case, exported) == case.flag
    return out


def pct(part: int, whole: int) -> str:
    return f"{part / whole:6.1%}" if whole else f"{'-':>6}"


def report(results: dict[str, tuple[WorkCalendar, dict[str, Rule], dict[str, TypeResult]]], skipped: Counter[str],
           cases: list[Case], args: argparse.Namespace, opens: time, closes: time, notes: list[str],
           seconds: float) -> None:
    print(f"\nSLA agreement with Boston's OnTime_Status, 2015 export ({len(cases):,} cases, {args.split} split, "
          f"{seconds:.0f} s)")
    print(f"Calendar: Monday–Friday {opens:%H:%M}–{closes:%H:%M} (chosen on the training half), "
          f"{len(HOLIDAYS)} configured holidays; corrections from the training half: {len(notes) or 'none'}")
    for note in notes:
        print(f"  - {note}")
    for label, (_calendar, _rules, by_type) in results.items():
        included = [r for r in by_type.values() if not r.reason]
        rows = sum(r.rows for r in included)
        agree = sum(r.agree for r in included)
        print(f"\n== calendar {label}: {len(included)} types with inferable rules, {rows:,} test cases")
        print(f"   agreement with OnTime_Status: {pct(agree, rows)}   "
              f"(TARGET_DT reproduced within 5 min: {pct(sum(r.reproduced for r in included), rows)}; "
              f"ceiling from Boston's own TARGET_DT: {pct(sum(r.ceiling for r in included), rows)})")
        kinds = Counter(r.rule.kind for r in included if r.rule)
        print(f"   rules: {kinds['business']} business hours, {kinds['calendar']} calendar hours")
    by_type = results["corrected"][2]
    excluded = Counter(r.reason for r in by_type.values() if r.reason)
    excluded_rows = sum(r.rows for r in by_type.values() if r.reason)
    print(f"\nExcluded (test half): {sum(excluded.values())} types, {excluded_rows:,} cases with a target and a flag:")
    for reason, n in excluded.most_common():
        rows = sum(r.rows for r in by_type.values() if r.reason == reason)
        print(f"  - {n} types ({rows:,} cases): {reason}")
    print(f"  - every type: {sum(r.no_target for r in by_type.values()):,} test cases without TARGET_DT (Boston ran "
          f"no clock: always ONTIME) and {sum(r.no_flag for r in by_type.values()):,} without a flag; "
          f"{sum(skipped.values())} rows with unreadable dates")
    print(f"\nPer type (corrected calendar), {args.per_type} largest included types:")
    print(f"{'type':<44} {'rule':>16} {'train fit':>9} {'test':>6} {'agree':>7} {'target':>7} {'ceiling':>7}")
    shown = sorted((r for r in by_type.values() if not r.reason), key=lambda r: -r.rows)[: args.per_type]
    names = {id(r): n for n, r in by_type.items()}
    for r in shown:
        rule = r.rule
        assert rule is not None
        label = f"{rule.hours:g} h {'business' if rule.kind == 'business' else 'calendar'}"
        print(f"{names[id(r)][:44]:<44} {label:>16} {rule.train_fit:>9.0%} {r.rows:>6,} {pct(r.agree, r.rows)} "
              f"{pct(r.reproduced, r.rows)} {pct(r.ceiling, r.rows)}")
    print("agree = our on-time status equals Boston's; target = our expected date within 5 min of TARGET_DT; "
          "ceiling = the flag recomputed from TARGET_DT itself.")


if __name__ == "__main__":
    main()
