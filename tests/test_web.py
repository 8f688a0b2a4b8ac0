"""The web page end to end in real headless Chromium (Debian's), driven by Playwright, against uvicorn on 127.0.0.1."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from coach.api import create_app
from coach.api.testing import serve_in_thread
from coach.corpus.index import get_index
from coach.corpus.library import load_role_file
from coach.settings import Settings
from tests._coach_fakes import SchemaLLM, ScriptedLLM, draft_answer
from tests.test_api import NO_ANON_LIMITS

try:
    from playwright.sync_api import expect
except ImportError:  # the test extra is not installed: every test here is skipped below
    expect = None

CHROMIUM = os.environ.get("OKR_COACH_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason=f"no Chromium at {CHROMIUM}: run scripts/install-browser.sh (CI does)"),
    pytest.mark.skipif(expect is None, reason="playwright is not installed (pip install -e '.[test]')"),
]

WEAK = """period: 2026-Q3
team: Sales
objectives:
  - title: Implement a new CRM
    key_results:
      - Raise win rate to 30%
      - Make 600 calls
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    home = tmp_path_factory.getbasetemp() / "okr-coach-home"
    settings = Settings(home=home, **NO_ANON_LIMITS)
    # Build the examples index before the page asks for roles: a first build can take half a minute on a busy
    # machine, and the page tests should wait for the page, not for that.
    get_index(settings)
    app = create_app(settings, llm=ScriptedLLM())
    with serve_in_thread(app) as url:
        yield url, app


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, server: tuple[str, Any]) -> Iterator[Any]:
    context = browser.new_context()
    outside: list[str] = []
    context.route("**/*", lambda route: (route.continue_() if route.request.url.startswith(server[0])
                                         else (outside.append(route.request.url), route.abort())))
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.set_default_timeout(15_000)
    pg.goto(server[0] + "/")
    pg.wait_for_selector("body[data-roles=loaded]")
    yield pg
    assert errors == [], errors
    assert outside == [], f"the page loaded something from elsewhere: {outside}"
    context.close()


ACCOUNT_EXECUTIVE = load_role_file(Settings().corpus_dir / "roles" / "account-executive.yaml")


def test_paste_review_and_see_findings_highlighted_in_the_text(page: Any) -> None:
    assert "Account Executive" in page.locator("#role option").all_inner_texts()
    page.fill("#okr-text", WEAK)
    page.select_option("#role", "Account Executive")
    page.click("#review-btn")
    page.wait_for_selector("#score:not([hidden])")
    assert page.inner_text("#score").endswith("/100")
    marks = page.locator("#highlighted mark")
    assert marks.count() >= 2
    assert "Implement a new CRM" in marks.all_inner_texts()
    assert "objective.outcome" in marks.first.get_attribute("title")
    assert page.inner_text("#highlighted").strip() == WEAK.strip()  # the text itself is unchanged
    assert "kr.outcome" in page.inner_text("#findings")


def test_upload_a_markdown_file(page: Any, tmp_path: Path) -> None:
    f = tmp_path / "okrs.md"
    f.write_text("# 2026-Q3\n\n## Implement a new CRM\n\n- Raise win rate to 30%\n- Make 600 calls\n")
    page.set_input_files("#okr-file", str(f))
    expect(page.locator("#okr-text")).to_have_value(re.compile("Implement a new CRM"))
    assert page.input_value("#format") == "markdown"
    page.click("#review-btn")
    page.wait_for_selector("#highlighted mark")
    assert "Make 600 calls" in page.locator("#highlighted mark").all_inner_texts()


def test_an_invalid_set_shows_the_error_message(page: Any) -> None:
    page.fill("#okr-text", "objectives: [")
    page.select_option("#format", "yaml")
    page.click("#review-btn")
    page.wait_for_selector("#status.error")
    assert page.inner_text("#status")


def test_ask_for_a_rewrite_and_use_it(page: Any, server: tuple[str, Any]) -> None:
    server[1].state.llm = SchemaLLM({"DraftChoice": {"choice": "A"}})
    page.fill("#okr-text", WEAK)
    page.click("#review-btn")
    page.wait_for_selector("#kr-0-0 .rewrite-btn")
    page.click("#kr-0-0 .rewrite-btn")
    page.wait_for_selector("#kr-0-0 .candidate")
    assert "Raise win rate from <today's value> to 30%" in page.inner_text("#kr-0-0 .candidate")
    page.click("#kr-0-0 .use-rewrite")
    expect(page.locator("#okr-text")).to_have_value(re.compile("from <today's value> to 30%"))
    expect(page.locator("#review-btn")).to_be_enabled()
    expect(page.locator("#status")).to_have_text(re.compile("Reviewed"))


def test_draft_for_a_role_and_use_the_draft(page: Any, server: tuple[str, Any]) -> None:
    server[1].state.llm = SchemaLLM({"DraftChoice": {"choice": "A"}})
    page.select_option("#role", "Account Executive")
    page.click("#draft-panel summary")
    page.fill("#draft-period", "2026-Q3")
    page.click("#draft-btn")
    page.wait_for_selector("#drafts .draft")
    first = page.locator("#drafts .draft").first.inner_text()
    objective = next(e.objective for e in ACCOUNT_EXECUTIVE.good if e.objective in first)  # a whole library OKR
    page.locator("#drafts .use-draft").first.click()
    page.wait_for_selector("#score:not([hidden])")
    assert objective in page.input_value("#okr-text")
    assert page.locator("#findings .item").count() >= 3


def test_the_api_docs_render_offline(page: Any, server: tuple[str, Any]) -> None:
    page.goto(server[0] + "/docs")
    page.wait_for_selector(".swagger-ui .opblock")
    assert "/v1/critique" in page.inner_text(".swagger-ui")


class BlockingLLM:
    """A model that answers only when released: stands in for a model call that takes minutes."""

    model = "blocking"

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = threading.Event()

    def generate(self, **_: Any) -> list[Any]:
        self.started.set()
        self.release.wait(timeout=120)
        return []


def test_an_error_clears_the_previous_report(page: Any) -> None:
    page.fill("#okr-text", WEAK)
    page.click("#review-btn")
    page.wait_for_selector("#score:not([hidden])")
    assert page.locator("#findings .item").count() >= 3
    page.fill("#okr-text", "objectives: [")
    page.select_option("#format", "yaml")
    page.click("#review-btn")
    page.wait_for_selector("#status.error")
    expect(page.locator("#score")).to_be_hidden()
    assert page.locator("#findings .item").count() == 0
    assert page.inner_text("#highlighted") == ""


def test_use_this_draft_asks_before_replacing_and_can_be_undone(page: Any, server: tuple[str, Any]) -> None:
    server[1].state.llm = ScriptedLLM(draft_answer("Our biggest accounts choose us again and bring their peers"))
    mine = "objectives:\n  - title: My own words\n    key_results: [Raise win rate from 20% to 25%]\n"
    page.fill("#okr-text", mine)
    page.select_option("#role", "Account Executive")
    page.click("#draft-panel summary")
    page.click("#draft-btn")
    page.wait_for_selector("#drafts .draft")
    page.locator("#drafts .use-draft").first.click()
    # Asked first; keeping the text changes nothing.
    expect(page.locator("#drafts .confirm")).to_be_visible()
    assert page.input_value("#okr-text") == mine
    page.click("#drafts .confirm-cancel")
    expect(page.locator("#drafts .confirm")).to_have_count(0)
    assert page.input_value("#okr-text") == mine
    # Replacing it is one click more, and Undo brings the user's text back.
    page.locator("#drafts .use-draft").first.click()
    page.click("#drafts .confirm-replace")
    expect(page.locator("#okr-text")).not_to_have_value(mine)  # the first draft (a library OKR) replaced it
    replaced = page.input_value("#okr-text")
    assert "objectives:" in replaced and "My own words" not in replaced
    expect(page.locator("#undo-btn")).to_be_visible()
    page.click("#undo-btn")
    assert page.input_value("#okr-text") == mine
    expect(page.locator("#undo-btn")).to_be_hidden()


def test_the_api_key_is_kept_for_the_tab_and_sent_as_authorization(page: Any, server: tuple[str, Any]) -> None:
    from coach.store import create_key, open_database

    key = create_key(open_database(server[1].state.settings.db_path), name="web-page", rate_per_minute=1000).key
    server[1].state.settings.anonymous_critique = False
    try:
        page.fill("#okr-text", WEAK)
        page.click("#review-btn")
        page.wait_for_selector("#status.error")
        assert "API key" in page.inner_text("#status")
        page.click("#key-panel summary")
        page.fill("#api-key", key)
        page.click("#key-save")
        expect(page.locator("#key-state")).to_have_text(re.compile("key set"))
        with page.expect_request("**/v1/critique") as req:
            page.click("#review-btn")
        assert req.value.headers.get("authorization") == f"Bearer {key}"
        page.wait_for_selector("#score:not([hidden])")
        assert page.evaluate("sessionStorage.getItem('okr-coach.api-key')") == key
        assert page.evaluate("localStorage.length") == 0  # nothing outlives the tab
        page.click("#key-forget")
        assert page.evaluate("sessionStorage.getItem('okr-coach.api-key')") is None
    finally:
        server[1].state.settings.anonymous_critique = True


def test_progress_values_are_shown(page: Any) -> None:
    text = ("period: 2026-Q3\nteam: Sales\nobjectives:\n  - title: Customers stay with us\n    key_results:\n"
            "      - text: Raise renewal rate from 60% to 80%\n        current: 70\n"
            "      - text: Cut churned seats from 400 to 200\n        current: 350\n")
    page.fill("#okr-text", text)
    page.click("#review-btn")
    page.wait_for_selector("#score:not([hidden])")
    # 60 -> 80 at 70 is half way; 400 -> 200 at 350 is a quarter; the objective is their mean.
    assert "50%" in page.inner_text("#kr-0-0 .progress")
    assert "25%" in page.inner_text("#kr-0-1 .progress")
    assert "38%" in page.inner_text("#obj-0 h3 .progress")
    assert page.locator("#kr-0-0 progress").get_attribute("value") == "50"
    expect(page.locator("#set-progress")).to_be_visible()


def test_a_long_model_call_shows_elapsed_seconds_and_can_be_cancelled(page: Any, server: tuple[str, Any]) -> None:
    slow = BlockingLLM()
    server[1].state.llm = slow
    try:
        page.fill("#okr-text", WEAK)
        page.check("#coach")
        page.click("#review-btn")
        expect(page.locator("#cancel-btn")).to_be_visible()
        expect(page.locator("#status")).to_have_text(re.compile(r"asking the model.* [1-9]\d* s$"))
        page.click("#cancel-btn")
        expect(page.locator("#status")).to_have_text("Cancelled.")
        expect(page.locator("#cancel-btn")).to_be_hidden()
        expect(page.locator("#review-btn")).to_be_enabled()
    finally:
        slow.release.set()
        page.uncheck("#coach")


def test_the_page_has_a_favicon(page: Any, server: tuple[str, Any]) -> None:
    href = page.locator("link[rel=icon]").get_attribute("href")
    r = page.request.get(server[0] + href)
    assert r.status == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert page.request.get(server[0] + "/favicon.ico").status == 200
