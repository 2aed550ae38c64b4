"""An axe-core check for browser tests of any public page. axe-core comes from a pinned
PyPI package that bundles axe.min.js (requirements-dev.txt), injected into the page from
disk: no CDN at run time.

    from civic311.portal.tests.accessibility import assert_accessible
    page.goto(url); assert_accessible(page)
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

AXE_SOURCE = files("axe_playwright_python").joinpath("axe.min.js")
SERIOUS = ("serious", "critical")


def axe_violations(page: Any, *, impacts: tuple[str, ...] = SERIOUS) -> list[dict[str, Any]]:
    """The axe-core violations of the page as it is now (WCAG 2.0/2.1 A and AA rules and
    best practices), keeping those of the given impacts. The page's context must allow
    JavaScript (axe runs in it): check no-JS flows by loading the same page with it on."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_SOURCE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => await window.axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
            resultTypes: ['violations'],
        })"""
    )
    return [v for v in result["violations"] if v.get("impact") in impacts]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = ", ".join(str(node.get("target")) for node in v.get("nodes", [])[:5])
        lines.append(f"{v['impact']}: {v['id']} ({v['help']}) at {targets}")
    return "\n".join(lines)


def assert_accessible(page: Any) -> None:
    """Fail with a readable list if axe-core finds a serious or critical violation."""
    violations = axe_violations(page)
    assert not violations, f"{page.url}:\n{describe(violations)}"
