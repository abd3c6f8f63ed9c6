"""Every browser test also watches for Content-Security-Policy violations: a page whose script or
style the policy blocks is broken for a person even when the test's own checks pass."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

# Runs in every document before the page's own scripts (Playwright injects it outside the CSP).
WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " +
                              (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


class CspWatch:
    def __init__(self, tab) -> None:
        self.console: list[str] = []
        self.expected = False  # a test that provokes a violation on purpose sets this
        tab.add_init_script(WATCH)
        tab.on("console", self._console)
        self.tab = tab

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def collect(self) -> list[str]:
        """Violations seen so far: console reports, plus the current document's events."""
        try:
            found = self.tab.evaluate("window.__cspViolations || []")
        except Exception:  # noqa: BLE001  (a closed or navigating page has none to give)
            found = []
        return [*self.console, *found]


@pytest.fixture
def csp_watch(page) -> CspWatch:
    return CspWatch(page)


@pytest.fixture(autouse=True)
def _no_csp_violations(request) -> Iterator[None]:
    """Fail any browser test during which the page reported a CSP violation."""
    if "page" not in request.fixturenames:
        yield
        return
    watch = request.getfixturevalue("csp_watch")
    yield
    violations = [] if watch.expected else watch.collect()
    assert violations == [], f"Content-Security-Policy violations: {violations}"
