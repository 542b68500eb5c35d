"""Helpers for the browser tests: a watched tab per screen size, screenshots, axe-core, codes from the outbox."""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.core import mail

ROOT = Path(__file__).resolve().parent.parent.parent
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CODE_RE = re.compile(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", re.MULTILINE)
BLOCKING_IMPACTS = ("serious", "critical")


@dataclass
class Screen:
    """One browser tab on one kind of screen ("phone" or "desktop"), with the checks every visited page must pass."""

    page: object
    device: str
    test_name: str
    errors: list[str] = field(default_factory=list)
    reported: int = 0

    def watch(self) -> "Screen":
        """Collect console errors and uncaught exceptions: any of them fails the test."""
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"uncaught exception: {exc}"))
        return self

    def _on_console(self, message) -> None:
        if message.type == "error":
            location = message.location or {}
            where = f"{location.get('url', '')}:{location.get('lineNumber', '')}"
            self.errors.append(f"console.error: {message.text} ({where})")

    def shot(self, step: str) -> Path:
        """Save a full-page screenshot as <test>-<step>-<device>.png, and fail on any console error so far."""
        self.page.wait_for_load_state("load")
        path = SCREENSHOTS / f"{self.test_name}-{step}-{self.device}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.assert_no_console_errors(step)
        return path

    def assert_no_console_errors(self, step: str = "") -> None:
        if len(self.errors) <= self.reported:
            return
        self.reported = len(self.errors)
        assert not self.errors, f"console errors on {self.page.url} ({step}):\n" + "\n".join(self.errors)

    def assert_accessible(self, step: str = "") -> None:
        assert_accessible(self.page, f"{step}, {self.device}")


def format_violations(violations: list[dict]) -> str:
    """axe-core violations as readable lines: rule, impact, help link, then each offending element."""
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"][:10]:
            lines.append(f"    at {' '.join(json.dumps(t) for t in node['target'])}")
            lines.append(f"       {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n       ")
            lines.append(f"       {summary}")
    return "\n".join(lines)


def assert_accessible(page, step: str = "") -> None:
    """Inject axe-core from node_modules (never from the network) and fail on serious or critical violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    blocking = [v for v in result["violations"] if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core found problems on {page.url} ({step}):\n{format_violations(blocking)}"


def last_code_sent_to(email: str) -> str:
    """The code in the last e-mail to `email`: the live server runs in this process, so it shares our outbox."""
    for message in reversed(mail.outbox):
        if email in message.to:
            match = CODE_RE.search(message.body)
            assert match, f"no code in the last e-mail to {email}:\n{message.body}"
            return match.group(1)
    raise AssertionError(f"no e-mail to {email}; outbox: {[(m.to, m.subject) for m in mail.outbox]}")


def log_in_as_organiser(page, email: str, password: str) -> None:
    """Log in through the login form and wait for the organiser's home, where it leads."""
    page.goto("/accounts/login/")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(re.compile(r"/manage/$"))
