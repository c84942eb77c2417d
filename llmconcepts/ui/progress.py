"""Terminal views of ``llmc list``, ``llmc due`` and ``llmc stats``.

Everything is drawn with characters that carry the meaning on their own, so the
views read the same with ``NO_COLOR`` (rich drops the colours) or on a monochrome
terminal: heatmap cells step through ``· ░ ▒ ▓ █``, bars are solid blocks with
eighth-block ends, mastery bars stack ``█`` mature, ``▒`` learning, ``░`` new, and
concept marks are ``●`` mastered, ``◐`` learning, ``○`` new. Colour only adds
emphasis. Every line is fitted to the console width (tested at 80 and 60 columns):
bars and name columns shrink, long titles end in an ellipsis, nothing wraps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.text import Text

from llmconcepts.ui.when import due_in

if TYPE_CHECKING:
    from rich.table import Table
    from rich.tree import Tree

    from llmconcepts.progress.queries import RetentionCounts
    from llmconcepts.progress.reports import (
        ConceptStatus,
        DueReport,
        FacetStatus,
        HeatmapDay,
        LayerStatus,
        LearnerTime,
        ListReport,
        StatsReport,
    )

HEAT_GLYPHS = ("·", "░", "▒", "▓", "█")
HEAT_STYLES = ("dim", "color(22)", "color(28)", "color(34)", "bold color(40)")
MASTERY_GLYPHS = {"mastered": "●", "learning": "◐", "new": "○"}
MASTERY_STYLES = {"mastered": "bold green", "learning": "yellow", "new": "dim"}
STACK_GLYPHS = (("█", "green"), ("▒", "yellow"), ("░", "dim"))  # mature, learning, new
EIGHTHS = " ▏▎▍▌▋▊▉"
WEEKDAY_LABELS = {0: "Mon", 2: "Wed", 4: "Fri"}
LABEL_WIDTH = 15  # "Mean stability" and a space


def _console(console: Console | None) -> Console:
    if console is not None:
        return console
    from llmconcepts.ui.console import console as shared_console

    return shared_console()


def _line(console: Console, *parts: str | Text | tuple[str, str]) -> None:
    """One line, cut with an ellipsis at the console width rather than wrapped."""
    text = Text.assemble(*parts, no_wrap=True, overflow="ellipsis")
    text.truncate(console.width, overflow="ellipsis")
    console.print(text, no_wrap=True, overflow="ellipsis", crop=True)


def _prose(console: Console, *parts: str | Text | tuple[str, str]) -> None:
    """A sentence, wrapped between words at the console width."""
    console.print(Text.assemble(*parts), overflow="fold")


def _number(value: int) -> str:
    return f"{value:,}"


def _plural(count: int, word: str) -> str:
    return f"{_number(count)} {word}{'' if count == 1 else 's'}"


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


# -- bars ---------------------------------------------------------------------------------


def bar(value: float, maximum: float, width: int) -> str:
    """A horizontal bar of ``value / maximum`` of ``width`` cells, in eighth-cell steps;
    any value above zero shows at least one eighth."""
    if maximum <= 0 or value <= 0 or width <= 0:
        return ""
    eighths = max(1, round(8 * width * min(value / maximum, 1.0)))
    return "█" * (eighths // 8) + (EIGHTHS[eighths % 8] if eighths % 8 else "")


def stacked_bar(parts: Sequence[int], width: int) -> Text:
    """Cells for each part in proportion (mature, learning, new), rounding the running
    total so the cells always add up to ``width``."""
    total = sum(parts)
    text = Text()
    if total <= 0 or width <= 0:
        return text
    done = 0
    running = 0
    for count, (glyph, style) in zip(parts, STACK_GLYPHS):
        running += count
        cells = round(width * running / total) - done
        text.append(glyph * cells, style=style)
        done += cells
    return text


# -- llmc due -----------------------------------------------------------------------------


def render_due(report: DueReport, console: Console | None = None) -> None:
    """Due now, later today, new today, then one bar per day of the forecast."""
    console = _console(console)
    time = report.time
    if not report.has_history:
        _prose(console, ("Nothing is scheduled yet", "bold"), ": a card is scheduled once you have studied it.")
        new = report.new_available_today
        ready = f" ({_plural(new, 'new card')} ready today)" if new else ""
        _prose(console, "Start with ", ("llmc study", "bold"), f"{ready}; ", ("llmc list", "bold"),
               " shows the curriculum.")
        return
    rows = [
        ("Due now", report.due_now.total, _split(report.due_now.learning, report.due_now.review)),
        ("Later today", report.due_later_today.total,
         _split(report.due_later_today.learning, report.due_later_today.review)),
        ("New today", report.new_available_today, "available"),
    ]
    width = max(len(_number(count)) for _label, count, _detail in rows)
    for label, count, detail in rows:
        _line(console, (f"{label:<{LABEL_WIDTH}}", "dim"), (f"{_number(count):>{width}}", "bold"),
              f"  {detail}" if detail else "")
    reviews_due = report.due_now.review + report.due_later_today.review
    if reviews_due > report.reviews_left_today:
        _line(console, (f"{'':<{LABEL_WIDTH}}", "dim"),
              f"your daily limit leaves {_plural(report.reviews_left_today, 'review')} for today")
    if report.due_now.total == 0 and report.next_due is not None and report.next_due > time.now:
        _line(console, (f"{'Next due':<{LABEL_WIDTH}}", "dim"), due_in(report.next_due, time.now, time.clock))
    console.print()
    _line(console, (f"Next {_plural(len(report.forecast), 'day')}", "bold"), ("  cards due per day", "dim"))
    _forecast(console, report)
    console.print()
    if report.due_now.total or report.new_available_today:
        _line(console, ("llmc study", "bold"), " starts a session.")


def _split(learning: int, review: int) -> str:
    parts = [f"{_number(learning)} learning" if learning else "", f"{_number(review)} review" if review else ""]
    return " · ".join(part for part in parts if part)


def _forecast(console: Console, report: DueReport) -> None:
    counts = [day.due for day in report.forecast]
    count_width = max(len(_number(count)) for count in counts)
    # A forecast that runs into another year names the year on every line.
    label = "%a %Y-%m-%d" if report.forecast[-1].day.year != report.time.today.year else "%a %m-%d"
    label_width = len(f"{report.time.today:{label}}")
    bar_width = max(4, min(48, console.width - label_width - count_width - 3))
    peak = max(counts)
    for day in report.forecast:
        _line(console, (f"{day.day:{label}}", "dim"), " ",
              (f"{bar(day.due, peak, bar_width):<{bar_width}}", "cyan"),
              " ", f"{_number(day.due):>{count_width}}")


# -- llmc stats ---------------------------------------------------------------------------


def heat_levels(counts: Sequence[int]) -> tuple[int, int, int]:
    """Upper bounds of levels 1-3 of the heatmap: the quartiles of the days with study,
    so each shade covers about a quarter of them (level 4 is above the third)."""
    studied = sorted(count for count in counts if count > 0)
    if not studied:
        return 0, 0, 0

    def quartile(q: int) -> int:
        return studied[min(len(studied) - 1, math.ceil(q * len(studied) / 4) - 1)]

    return quartile(1), quartile(2), quartile(3)


def heat_level(count: int, bounds: tuple[int, int, int]) -> int:
    """0 for no study, else 1-4 by the quartile bounds of :func:`heat_levels`."""
    if count <= 0:
        return 0
    return 1 + sum(1 for bound in bounds if count > bound)


def render_stats(report: StatsReport, console: Console | None = None) -> None:
    """Heatmap, streaks, retention, study time, card counts and mastery per layer."""
    console = _console(console)
    if not report.has_history:
        _prose(console, ("No study yet", "bold"), ": statistics appear after your first ratings.")
        _prose(console, "Start with ", ("llmc study", "bold"), "; ", ("llmc list", "bold"),
               " shows the curriculum.")
        return
    _heatmap(console, report.heatmap)
    console.print()
    _summary(console, report)
    console.print()
    _mastery(console, report)


def _heatmap(console: Console, days: Sequence[HeatmapDay]) -> None:
    weeks = [list(days[start:start + 7]) for start in range(0, len(days), 7)]
    columns = max(1, min(len(weeks), (console.width - 4) // 2))
    weeks = weeks[-columns:]
    shown = [day for week in weeks for day in week]
    bounds = heat_levels([day.ratings for day in shown])
    total = sum(day.ratings for day in shown)
    active = sum(1 for day in shown if day.ratings)
    _line(console, ("Ratings per day", "bold"), (f"  last {_plural(len(weeks), 'week')}", "dim"))
    _line(console, _month_labels([week[0].day for week in weeks]))
    for weekday in range(7):
        text = Text(f"{WEEKDAY_LABELS.get(weekday, ''):<4}", style="dim")
        for week in weeks:
            if weekday < len(week):
                level = heat_level(week[weekday].ratings, bounds)
                text.append(HEAT_GLYPHS[level], style=HEAT_STYLES[level])
            else:
                text.append(" ")
            text.append(" ")
        text.rstrip()
        _line(console, text)
    _line(console, _legend(bounds))
    _line(console, (f"{'':4}", ""), f"{_plural(total, 'rating')} on {_plural(active, 'day')}")


def _month_labels(mondays: Sequence[date]) -> Text:
    """Month names above the first column of each month, dropped where they would touch."""
    line = [" "] * (4 + 2 * len(mondays))
    free_from = 4
    for column, monday in enumerate(mondays):
        sunday = monday + timedelta(days=6)
        month_starts = column == 0 or sunday.month != monday.month or monday.day == 1
        if not month_starts:
            continue
        label = f"{(sunday if sunday.day < 7 else monday):%b}"
        start = 4 + 2 * column
        if start >= free_from and start + len(label) <= len(line):
            line[start:start + len(label)] = label
            free_from = start + len(label) + 1
    return Text("".join(line).rstrip(), style="dim")


def _legend(bounds: tuple[int, int, int]) -> Text:
    text = Text(f"{'':4}", style="dim")
    low = 1
    ranges = []
    for level, bound in enumerate(bounds, start=1):
        if bound >= low:
            ranges.append((level, _number(low) if bound == low else f"{_number(low)}-{_number(bound)}"))
            low = bound + 1
    ranges.append((4, f"{_number(low)}+"))
    text.append(HEAT_GLYPHS[0], style=HEAT_STYLES[0])
    text.append(" 0", style="dim")
    for level, label in ranges:
        text.append("  ")
        text.append(HEAT_GLYPHS[level], style=HEAT_STYLES[level])
        text.append(f" {label}", style="dim")
    return text


def _summary(console: Console, report: StatsReport) -> None:
    def row(label: str, *parts: str | tuple[str, str]) -> None:
        _line(console, (f"{label:<{LABEL_WIDTH}}", "dim"), *parts)

    row("Streak", (_plural(report.current_streak, "day"), "bold"),
        f" now, longest {_plural(report.longest_streak, 'day')}")
    target = report.desired_retention
    for label, counts, days in (("Retention", report.retention_7, 7), ("", report.retention_30, 30)):
        row(label, *_retention_parts(counts, days, target))
    row("", (f"target {target * 100:g}%", "dim"), (" (desired retention)", "dim"))
    row("Study time", (_duration(report.study_seconds), "bold"), f" over {_plural(report.ratings, 'rating')}")
    cards = report.cards
    row("Cards", (_number(cards.total), "bold"), f": {_number(cards.new)} new · {_number(cards.learning)} learning"
        f" · {_number(cards.relearning)} relearning")
    row("", f"{_number(cards.young)} young · {_number(cards.mature)} mature (stability 21+ days)")
    leeches = "leech" if cards.leeches == 1 else "leeches"
    row("", f"{_number(cards.suspended)} suspended · {_number(cards.leeches)} {leeches}")
    stability = cards.mean_stability
    row("Mean stability", "—" if stability is None else (f"{stability:.1f} days", "bold"))


def _retention_parts(counts: RetentionCounts, days: int, target: float) -> list[str | tuple[str, str]]:
    window = f" last {days} days"
    if counts.rate is None:
        return [("—", "bold"), f"{window} (no reviews)"]
    style = "bold green" if counts.rate >= target else "bold yellow"
    return [(_percent(counts.rate), style), f"{window} ({_plural(counts.reviews, 'review')})"]


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{_number(hours)} h {minutes:02d} min"


def _mastery(console: Console, report: StatsReport) -> None:
    _line(console, ("Mastery by layer", "bold"), ("  ", ""), *_stack_legend())
    layers = [layer for layer in report.layers if layer.counts.total]
    if not layers:
        return
    title_width = min(max(len(layer.title) for layer in layers), 28, max(8, console.width - 30))
    bar_width = max(6, min(40, console.width - title_width - 7))
    for layer in layers:
        counts = layer.counts
        title = Text(layer.title, no_wrap=True, overflow="ellipsis")
        title.truncate(title_width, overflow="ellipsis", pad=True)
        learning = counts.total - counts.new - counts.mature
        _line(console, title, " ", stacked_bar((counts.mature, learning, counts.new), bar_width),
              f" {round(100 * counts.mature / counts.total):>3}%")
    if any(layer.layer_id is None for layer in layers):
        _prose(console, ("Cards of concepts not yet sorted into a layer are counted apart until your next ", "dim"),
               ("llmc study", "bold"), (".", "dim"))


def _stack_legend() -> list[tuple[str, str]]:
    parts = []
    for (glyph, style), name in zip(STACK_GLYPHS, ("mature", "learning", "new")):
        parts += [(glyph, style), (f" {name}  ", "dim")]
    parts[-1] = (parts[-1][0].rstrip(), "dim")
    return parts


# -- llmc list ----------------------------------------------------------------------------


def render_list(report: ListReport, console: Console | None = None) -> None:
    """One tree per layer: concepts with their mastery mark, under each its cards' state,
    due date and retrievability in aligned columns."""
    console = _console(console)
    if not report.has_history:
        _prose(console, ("Nothing studied yet", "bold"), ": ", ("llmc study", "bold"),
               " introduces these concepts in this order.")
    legend = [part for mastery in ("mastered", "learning", "new")
              for part in ((MASTERY_GLYPHS[mastery], MASTERY_STYLES[mastery]), (f" {mastery}  ", "dim"))]
    _line(console, *legend, ("calc", "cyan"), (": has a calculator", "dim"))
    for layer in report.layers:
        console.print()
        console.print(_layer_tree(layer, report.time), no_wrap=True, overflow="ellipsis", crop=True)


#: Widths of the card columns: "Failure mode", "relearning", "today 15:05", "R 100%".
FACET_COLUMNS = (12, 10, 11, 6)


def _layer_tree(layer: LayerStatus, time: LearnerTime) -> Tree:
    from rich.tree import Tree  # llmc list only: due and stats never import it

    heading = Text.assemble((layer.title, "bold"), (f"  {layer.mastered()}/{len(layer.concepts)} mastered", "dim"),
                            no_wrap=True, overflow="ellipsis")
    tree = Tree(heading, guide_style="dim")
    for concept in layer.concepts:
        tree.add(Group(_concept_label(concept), _facet_grid(concept.facets, time)))
    if not layer.concepts:
        tree.add(Text("no concepts", style="dim"))
    return tree


def _concept_label(concept: ConceptStatus) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(MASTERY_GLYPHS[concept.mastery], style=MASTERY_STYLES[concept.mastery])
    text.append(f" {concept.title}")
    if concept.has_calculator:
        text.append("  calc", style="cyan")
    return text


def _facet_grid(facets: Sequence[FacetStatus], time: LearnerTime) -> Table:
    """The cards of one concept, indented under its title, columns of fixed width so
    that every concept's rows line up."""
    from rich.table import Table  # llmc list only

    grid = Table.grid(padding=(0, 2))
    for number, width in enumerate(FACET_COLUMNS):
        grid.add_column(no_wrap=True, overflow="ellipsis", width=width,
                        justify="right" if number == len(FACET_COLUMNS) - 1 else "left")
    for facet in facets:
        grid.add_row(
            Text(_facet_label(facet.facet), style="dim"),
            _state_text(facet),
            Text(_due_text(facet, time)),
            Text("" if facet.retrievability is None else f"R {facet.retrievability * 100:.0f}%"),
        )
    return grid


def _facet_label(facet: str) -> str:
    from llmconcepts.cardbank.model import FacetKind

    return FacetKind(facet).label


def _state_text(facet: FacetStatus) -> Text:
    if facet.leech:
        return Text("leech", style="bold red")
    if facet.suspended:
        return Text("suspended", style="yellow")
    if facet.buried_until is not None:  # until the next learner day: its state shows again then
        return Text("buried", style="magenta")
    return Text(facet.state, style={"new": "dim", "review": "green"}.get(facet.state, "cyan"))


def _due_text(facet: FacetStatus, time: LearnerTime) -> str:
    """``due now``, ``today 15:05`` (learner day, local clock) or the due day ``2026-03-14``."""
    if facet.due is None:
        return ""
    if facet.due <= time.now:
        return "due now"
    day = time.day_of(facet.due)
    if day == time.today:
        return f"today {facet.due.astimezone(time.zone):%H:%M}"
    return day.isoformat()
