"""Two reviewers in a real headless Chromium on one job: a finished clip and a comment reach both pages
without a reload, and the approver's click leads to delivery."""

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from aiprod_assets.cli.progress import execute_with_progress
from aiprod_assets.cli.review_runs import LocalRunner
from aiprod_assets.layout import artefact_key, live_events_prefix
from aiprod_assets.review.reviewers import add_reviewer
from aiprod_assets.review_app.app import create_app
from tests.support.review import local_environment, serving, submit, write_brief

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
JOB = "browser-review"
XSS = '<img src=x onerror="window.__xss = 1">'
SCREENSHOTS = Path(os.environ.get("AIPROD_TEST_SCREENSHOTS", "test-screenshots"))

pytestmark = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                                reason="Debian's chromium is not installed (.ci/run installs it)")


def _launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"])


def _sign_in(browser, base: str, token: str):
    page = browser.new_context().new_page()
    page.goto(f"{base}/jobs/{JOB}")
    page.wait_for_url("**/login**")
    page.fill("#token", token)
    page.click("#sign-in")
    page.wait_for_url(f"**/jobs/{JOB}")
    page.wait_for_selector("#live:has-text('live')")
    page.evaluate("window.__loadedOnce = 42")  # gone if the page reloads
    return page


def _first_finish(store, after: float) -> float:
    """When the first shot_finished event landed in the store (the clip is stored before it)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if any("shot_finished" in store.get_bytes(k).decode() for k in store.list_keys(live_events_prefix(JOB))):
            return time.monotonic()
        time.sleep(0.02)
    raise AssertionError("no shot finished within 120 s")


def test_two_reviewers_see_clips_and_comments_live_and_the_approval_delivers(tmp_path, monkeypatch):
    assert CHROMIUM, "chromium is needed: apt-get install chromium"
    from playwright.sync_api import sync_playwright

    env = local_environment(tmp_path, monkeypatch, approval="required")
    job_id = submit(env, write_brief(tmp_path, JOB))
    approver, commenter = (add_reviewer(env.store, "ann", "approver"), add_reviewer(env.store, "cole", "commenter"))
    runner = LocalRunner(env, interval_sec=1.0, say=lambda line: None)
    runner.start()
    pages = []
    with serving(create_app(env.store, on_action=runner.wake, poll_sec=0.1)) as base, sync_playwright() as pw:
        browser = _launch(pw)
        try:
            ann, cole = _sign_in(browser, base, approver), _sign_in(browser, base, commenter)
            pages = [ann, cole]
            # The approve buttons are for approvers only (the cut section itself shows once there is a cut).
            assert ann.locator("#decide").get_attribute("hidden") is None
            assert cole.locator("#decide").get_attribute("hidden") is not None

            run = threading.Thread(target=lambda: execute_with_progress(env.job, env.instance, job_id), daemon=True)
            run.start()
            finished_at = _first_finish(env.store, time.monotonic())
            for page in pages:
                page.wait_for_selector(".shot.rendered video", timeout=10_000)
            shown_after = time.monotonic() - finished_at
            assert shown_after <= 2.0, f"a finished clip took {shown_after:.2f}s to show"
            assert all(page.evaluate("window.__loadedOnce") == 42 for page in pages), "no page reloaded"

            cole.fill("#comment-text", f"the lamp should flare {XSS}")
            cole.click("#comment-send")
            ann.wait_for_selector("#comments li:has-text('cole: the lamp should flare')", timeout=2_000)
            assert ann.locator("#comments li").last.inner_text().endswith(XSS), "shown as text, not markup"
            assert ann.evaluate("window.__xss") is None and cole.evaluate("window.__xss") is None

            run.join(timeout=180)
            assert not run.is_alive()
            ann.wait_for_selector("#state:has-text('awaiting approval')", timeout=10_000)
            assert not env.store.exists(artefact_key("delivery_manifest", JOB))
            ann.fill("#decision-text", "lovely, ship it")
            ann.click("#approve")
            for page in pages:
                page.wait_for_selector("#state:has-text('delivered')", timeout=60_000)
            assert env.store.exists(artefact_key("delivery_manifest", JOB))
            assert "approval by ann" in ann.locator("#decision").inner_text()
        except Exception:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            for n, page in enumerate(pages):
                page.screenshot(path=str(SCREENSHOTS / f"review-{n}.png"), full_page=True)
            raise
        finally:
            browser.close()
