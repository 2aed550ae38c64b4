"""The figures of the trends page, composed from the daily counts (`selectors`): the time
series of the chosen areas against the city, the map of every area of the layer, and the
change versus the same period a year earlier."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from civic311.catalog.models import ServiceType
from civic311.places.models import District, DistrictLayer

from . import selectors
from .charts import LineChart, line_chart
from .selectors import Granularity, Totals

# Five sequential blues, light to dark (readable as a choropleth for colour-blind people).
CLASS_COLORS = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
NO_DATA_COLOR = "#ffffff"


@dataclass(frozen=True)
class Choice:
    start: date
    end: date
    granularity: Granularity
    layer: DistrictLayer | None
    districts: Sequence[District]
    types: Sequence[ServiceType]

    @property
    def district_ids(self) -> list[int] | None:
        return [d.pk for d in self.districts] if self.districts else None

    @property
    def type_ids(self) -> list[int]:
        return [t.pk for t in self.types]


@dataclass(frozen=True)
class PeriodFigures:
    start: date
    selection: Totals
    city: Totals
    selection_value: float | None  # what the chart draws (a rate or a count)
    city_value: float | None


@dataclass(frozen=True)
class AreaFigures:
    district: District
    totals: Totals
    earlier: Totals
    value: float | None  # rate per 1,000 or count, what the map colours
    change: float | None
    color: str


@dataclass(frozen=True)
class Trends:
    choice: Choice
    periods: list[PeriodFigures]
    selection: Totals
    selection_earlier: Totals
    city: Totals
    city_earlier: Totals
    per_thousand: bool
    city_label: str
    chart: LineChart
    areas: list[AreaFigures]
    legend: list[tuple[str, str]]

    @property
    def selection_change(self) -> float | None:
        return selectors.change(self.selection.opened, self.selection_earlier.opened)

    @property
    def city_change(self) -> float | None:
        return selectors.change(self.city.opened, self.city_earlier.opened)


def classes(values: Sequence[float]) -> list[float]:
    """Upper bounds of up to five quantile classes of the values (ascending, distinct)."""
    ordered = sorted(values)
    if not ordered:
        return []
    bounds = [ordered[min(len(ordered) - 1, int(len(ordered) * k / len(CLASS_COLORS)) - 1)]
              for k in range(1, len(CLASS_COLORS) + 1)]
    return sorted(set(bounds))


def color_for(value: float | None, bounds: Sequence[float]) -> str:
    if value is None or not bounds:
        return NO_DATA_COLOR
    for i, upper in enumerate(bounds):
        if value <= upper:
            return CLASS_COLORS[i + len(CLASS_COLORS) - len(bounds)]
    return CLASS_COLORS[-1]


def _label(day: date, granularity: Granularity) -> str:
    return date_format(day, "M Y" if granularity == Granularity.MONTH else "M j")


def build(choice: Choice) -> Trends:
    """Everything the page shows for the choice, in a fixed number of queries."""
    earlier_start, earlier_end = selectors.year_earlier(choice.start), selectors.year_earlier(choice.end)
    types = choice.type_ids
    layer_districts = (list(District.objects.filter(layer=choice.layer).defer("geometry").order_by("name"))
                       if choice.layer else [])
    city_population = selectors.population_of(layer_districts)
    selection_population = selectors.population_of(choice.districts) if choice.districts else city_population
    per_thousand = selection_population is not None and city_population is not None
    city_series = selectors.series(start=choice.start, end=choice.end, granularity=choice.granularity, type_ids=types)
    selection_series = (
        selectors.series(start=choice.start, end=choice.end, granularity=choice.granularity, type_ids=types,
                         district_ids=choice.district_ids)
        if choice.districts else city_series
    )
    share = max(1, len(layer_districts))
    figures: list[PeriodFigures] = []
    for (period, selection), (_same, city) in zip(selection_series, city_series, strict=True):
        if per_thousand:
            sel_value = selectors.rate_per_thousand(selection.opened, selection_population)
            city_value = selectors.rate_per_thousand(city.opened, city_population)
        else:
            sel_value, city_value = float(selection.opened), city.opened / share
        figures.append(PeriodFigures(start=period, selection=selection, city=city, selection_value=sel_value,
                                     city_value=city_value))

    if per_thousand:
        city_label = _("City-wide, per 1,000 residents")
        selection_label = _("Chosen areas, per 1,000 residents")
    else:
        city_label = _("City-wide, average area") if layer_districts else _("City-wide")
        selection_label = _("Chosen areas") if choice.districts else _("City-wide")
    lines: list[tuple[str, Sequence[float | None], str]] = [
        (selection_label, [f.selection_value for f in figures], "line-selection")]
    if choice.districts:
        lines.append((city_label, [f.city_value for f in figures], "line-city"))
    chart = line_chart([_label(f.start, choice.granularity) for f in figures], lines)

    now = selectors.by_district(layer=choice.layer, start=choice.start, end=choice.end, type_ids=types) \
        if choice.layer else {}
    before = selectors.by_district(layer=choice.layer, start=earlier_start, end=earlier_end, type_ids=types) \
        if choice.layer else {}
    values: dict[int, float | None] = {}
    for district in layer_districts:
        opened = now.get(district.pk, Totals()).opened
        values[district.pk] = (selectors.rate_per_thousand(opened, district.population)
                               if district.population else (None if city_population else float(opened)))
    bounds = classes([v for v in values.values() if v is not None])
    areas = [AreaFigures(district=d, totals=now.get(d.pk, Totals()), earlier=before.get(d.pk, Totals()),
                         value=values[d.pk],
                         change=selectors.change(now.get(d.pk, Totals()).opened, before.get(d.pk, Totals()).opened),
                         color=color_for(values[d.pk], bounds))
             for d in layer_districts]
    low = 0.0
    legend: list[tuple[str, str]] = []
    for i, upper in enumerate(bounds):
        legend.append((CLASS_COLORS[i + len(CLASS_COLORS) - len(bounds)], f"{low:,.1f} – {upper:,.1f}"))
        low = upper

    selection_total = selectors.totals(start=choice.start, end=choice.end, type_ids=types,
                                       district_ids=choice.district_ids)
    selection_earlier = selectors.totals(start=earlier_start, end=earlier_end, type_ids=types,
                                         district_ids=choice.district_ids)
    if choice.districts:
        city_total = selectors.totals(start=choice.start, end=choice.end, type_ids=types)
        city_earlier = selectors.totals(start=earlier_start, end=earlier_end, type_ids=types)
    else:
        city_total, city_earlier = selection_total, selection_earlier
    return Trends(choice=choice, periods=figures, selection=selection_total, selection_earlier=selection_earlier,
                  city=city_total, city_earlier=city_earlier, per_thousand=per_thousand, city_label=city_label,
                  chart=chart, areas=areas, legend=legend)
