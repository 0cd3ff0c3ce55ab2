"""The demo tool pages and static/fasttrack-client.js in real Chromium, against the real service.

Each test signs in a new user through the development sign-in page and works as a person would:
typing, waiting for the page to say what happened, reloading, closing tabs. What the server holds
is checked over HTTP with the same user's token.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import quote

import requests
from playwright.sync_api import BrowserContext, Page, expect
from service_process import ServiceProcess

WOOP_PAGE = "/tools/woop.html"
WOOP = {
    "wish": "Double the recurring revenue by next summer",
    "outcome": "A calm team that knows where the company goes",
    "obstacle": "I say yes to every meeting",
    "plan": "If a meeting has no agenda, then I decline it",
}


def sign_in(page: Page, service: ServiceProcess, email: str, path: str = WOOP_PAGE) -> None:
    """Through the development sign-in page, back to `path` on the service's origin."""
    page.goto(f"{service.base_url}/dev/sign-in?return_to={quote(service.base_url + path)}")
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{service.base_url}{path}")
    wait_state(page, "saved")


def wait_state(page: Page, state: str) -> None:
    page.wait_for_selector(f'form[data-ft-state="{state}"]')


def token_of(page: Page) -> str:
    return page.evaluate("sessionStorage.getItem('fasttrack:access-token')")


def server_data(service: ServiceProcess, token: str, slug: str = "woop") -> dict:
    answer = requests.get(
        f"{service.base_url}/api/tools/{slug}/data",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def shoot(page: Page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


def test_fill_woop_reload_submit_and_see_the_wish_in_know_thyself(
    running: ServiceProcess, page: Page, email: str, tmp_path: Path
) -> None:
    sign_in(page, running, email)
    assert "access_token" not in page.url  # taken from the fragment, out of the address bar
    for field, text in WOOP.items():
        page.get_by_label(field.capitalize()).fill(text)
    wait_state(page, "saved")
    expect(page.get_by_role("status")).to_have_text("All changes saved")

    page.reload()
    wait_state(page, "saved")
    for field, text in WOOP.items():
        expect(page.get_by_label(field.capitalize())).to_have_value(text)
    assert server_data(running, token_of(page))["data"] == WOOP
    shoot(page, tmp_path, "woop")

    page.get_by_role("button", name="Submit WOOP").click()
    wait_state(page, "submitted")
    assert server_data(running, token_of(page))["status"] == "submitted"

    page.get_by_role("link", name="Next: Know Thyself").click()
    wait_state(page, "saved")
    expect(page.get_by_role("complementary")).to_contain_text(WOOP["wish"])
    shoot(page, tmp_path, "know-thyself")


def pending_keys(page: Page) -> list[str]:
    """The unsaved work the client keeps in localStorage."""
    return page.evaluate(
        "Object.keys(localStorage).filter(key => key.startsWith('fasttrack:pending:'))"
    )


def record_states(context: BrowserContext) -> None:
    """Every save state the pages go through, in window.ftStates."""
    context.add_init_script(
        "window.ftStates = [];"
        "document.addEventListener('fasttrack:state', e => window.ftStates.push(e.detail.state));"
    )


def test_stopping_the_service_while_typing_loses_nothing(
    running: ServiceProcess, page: Page, email: str, tmp_path: Path
) -> None:
    sign_in(page, running, email)
    wish = page.get_by_label("Wish")
    wish.fill("Grow")
    wait_state(page, "saved")
    token = token_of(page)

    running.stop()
    wish.press("End")
    wish.press_sequentially(" the company while the service is down")
    wait_state(page, "offline")
    expect(page.get_by_role("status")).to_contain_text("Offline")
    page.get_by_label("Plan").fill("If the network drops, then I keep typing")
    (key,) = pending_keys(page)
    assert "while the service is down" in page.evaluate(f"localStorage.getItem('{key}')")
    shoot(page, tmp_path, "woop-offline")

    running.start()
    wait_state(page, "saved")
    expect(page.get_by_role("status")).to_have_text("All changes saved")
    assert server_data(running, token)["data"] == {
        "wish": "Grow the company while the service is down",
        "plan": "If the network drops, then I keep typing",
    }
    assert pending_keys(page) == []


def test_two_tabs_the_second_save_gets_the_conflict_and_keeps_both_texts(
    running: ServiceProcess, context: BrowserContext, page: Page, email: str, tmp_path: Path
) -> None:
    sign_in(page, running, email)
    page.get_by_label("Wish").fill("A first wish")
    wait_state(page, "saved")

    second = context.new_page()  # no token in its session storage: the refresh cookie signs in
    second.goto(f"{running.base_url}/tools/woop.html")
    wait_state(second, "saved")
    expect(second.get_by_label("Wish")).to_have_value("A first wish")

    page.get_by_label("Wish").fill("The wish as the first tab has it")
    wait_state(page, "saved")
    second.get_by_label("Wish").fill("The wish as the second tab has it")
    wait_state(second, "conflict")

    conflict = second.get_by_role("region", name="These answers were saved somewhere else too")
    expect(conflict.locator(".ft-mine")).to_have_text("The wish as the second tab has it")
    expect(conflict.locator(".ft-theirs")).to_have_text("The wish as the first tab has it")
    assert len(pending_keys(second)) == 1  # its text is kept while the user decides
    shoot(second, tmp_path, "woop-conflict")

    conflict.get_by_role("button", name="Keep both").click()
    wait_state(second, "saved")
    both = "The wish as the second tab has it\n\nThe wish as the first tab has it"
    expect(second.get_by_label("Wish")).to_have_value(both)
    assert server_data(running, token_of(second))["data"]["wish"] == both
    assert pending_keys(second) == []


def test_closing_the_tab_right_after_typing_saves_through_the_keepalive_flush(
    running: ServiceProcess, context: BrowserContext, page: Page, email: str
) -> None:
    # Autosave would wait a minute: only the flush on pagehide can save this in time.
    context.add_init_script(
        "Object.assign(window.fastTrackOptions, {debounceMs: 60000, maxWaitMs: 60000});"
    )
    sign_in(page, running, email)
    token = token_of(page)
    page.get_by_label("Outcome").fill("Typed a moment before the tab closed")
    wait_state(page, "unsaved")

    page.close(run_before_unload=True)

    deadline = time.monotonic() + 10
    typed = {"outcome": "Typed a moment before the tab closed"}
    while server_data(running, token)["data"] != typed:
        assert time.monotonic() < deadline, server_data(running, token)
        time.sleep(0.1)


def test_an_expired_access_token_is_refreshed_without_the_user_noticing(
    running: ServiceProcess, context: BrowserContext, page: Page, email: str
) -> None:
    record_states(context)
    sign_in(page, running, email)
    token = token_of(page)
    expired = running.live().resign(token, exp=int(time.time()) - 60)
    page.evaluate(f"document.querySelector('form').fastTrack.client.token = '{expired}'")

    page.get_by_label("Wish").fill("Saved with an expired token")
    wait_state(page, "saved")
    assert server_data(running, token)["data"] == {"wish": "Saved with an expired token"}
    assert token_of(page) not in (token, expired)  # a new one, from the refresh cookie
    # and after a reload with the expired one in session storage too
    page.evaluate(f"sessionStorage.setItem('fasttrack:access-token', '{expired}')")
    page.reload()
    wait_state(page, "saved")
    expect(page.get_by_label("Wish")).to_have_value("Saved with an expired token")
    assert "signed-out" not in page.evaluate("window.ftStates")
    assert page.url == f"{running.base_url}/tools/woop.html"


def test_an_ended_session_asks_to_sign_in_and_keeps_what_was_typed(
    running: ServiceProcess, context: BrowserContext, page: Page, email: str
) -> None:
    sign_in(page, running, email)
    (cookie,) = [c for c in context.cookies() if c["name"] == "refresh_token"]
    ended = requests.post(
        f"{running.base_url}/api/auth/logout",
        headers={"Cookie": f"refresh_token={cookie['value']}"},
        timeout=10,
    )
    assert ended.status_code == 200, ended.text

    page.get_by_label("Wish").fill("Typed after the session ended")
    page.wait_for_url(f"{running.base_url}/dev/sign-in?**")
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{running.base_url}/tools/woop.html")
    wait_state(page, "saved")
    expect(page.get_by_label("Wish")).to_have_value("Typed after the session ended")
    assert server_data(running, token_of(page))["data"] == {"wish": "Typed after the session ended"}


AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"


def axe_violations(page: Page) -> list[dict]:
    """What axe-core (vendored, run in the page) reports, as {id, impact, nodes} per rule."""
    page.add_script_tag(path=AXE)
    found = page.evaluate("axe.run(document).then(r => r.violations)")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["html"] for n in v["nodes"]]}
        for v in found
    ]


def test_submitting_without_required_answers_shows_the_servers_problems_on_the_fields(
    running: ServiceProcess, page: Page, email: str, tmp_path: Path
) -> None:
    sign_in(page, running, email)
    page.get_by_label("Wish").fill("Only a wish so far")
    wait_state(page, "saved")
    page.get_by_role("button", name="Submit WOOP").click()

    outcome, plan = page.get_by_label("Outcome"), page.get_by_label("Plan")
    expect(page.get_by_role("alert")).to_have_text("Not submitted: 2 answers need attention.")
    expect(outcome).to_have_attribute("aria-invalid", "true")
    expect(outcome).to_have_accessible_description(re.compile("Outcome is required"))
    expect(plan).to_have_accessible_description(re.compile("Plan is required"))
    expect(outcome).to_be_focused()  # the first answer to fix
    expect(page.get_by_label("Wish")).not_to_have_attribute("aria-invalid", "true")
    shoot(page, tmp_path, "woop-problems")

    outcome.fill("A clear outcome everyone can see")
    expect(outcome).not_to_have_attribute("aria-invalid", "true")  # fixed: its problem goes
    plan.fill("If it rains, then I work from home")
    wait_state(page, "saved")
    page.get_by_role("button", name="Submit WOOP").click()
    wait_state(page, "submitted")
    assert server_data(running, token_of(page))["status"] == "submitted"


def test_the_pages_have_no_accessibility_violations(
    running: ServiceProcess, browser, email: str, tmp_path: Path
) -> None:
    # axe is injected as a script: this profile lets it past the pages' own CSP
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"{running.base_url}/dev/sign-in")
        assert axe_violations(page) == []
        sign_in(page, running, email)
        assert axe_violations(page) == []
        page.get_by_role("button", name="Submit WOOP").click()  # problems on every field
        expect(page.get_by_role("alert")).to_contain_text("Not submitted")
        assert axe_violations(page) == []
        page.goto(f"{running.base_url}/tools/know-thyself.html")
        wait_state(page, "saved")
        assert axe_violations(page) == []
        shoot(page, tmp_path, "know-thyself-axe")
    finally:
        context.close()


def test_pages_on_another_origin_work_and_the_refresh_cookie_flows(
    running: ServiceProcess, other_origin: str, context: BrowserContext, page: Page, email: str
) -> None:
    woop = f"{other_origin}/woop.html"
    page.goto(f"{running.base_url}/dev/sign-in?return_to={quote(woop)}")
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(woop)
    wait_state(page, "saved")
    page.get_by_label("Wish").fill("Typed on the static host")
    wait_state(page, "saved")
    token = token_of(page)

    # a new tab on the static host has no token: the refresh cookie, sent across origins
    # (credentials: include, CORS with credentials), signs it in
    second = context.new_page()
    second.goto(woop)
    wait_state(second, "saved")
    expect(second.get_by_label("Wish")).to_have_value("Typed on the static host")
    assert token_of(second) not in (None, token)
    assert server_data(running, token)["data"] == {"wish": "Typed on the static host"}

    # the keepalive flush crosses origins too (a preflighted request that outlives the tab)
    second.evaluate("document.querySelector('form').fastTrack.options.debounceMs = 60000")
    second.get_by_label("Plan").fill("Typed on the static host, then the tab closed")
    second.close(run_before_unload=True)
    deadline = time.monotonic() + 10
    while "plan" not in server_data(running, token)["data"]:
        assert time.monotonic() < deadline, server_data(running, token)
        time.sleep(0.1)


def test_know_thyself_keeps_nested_answers_and_table_rows(
    running: ServiceProcess, page: Page, email: str, tmp_path: Path
) -> None:
    sign_in(page, running, email, "/tools/know-thyself.html")
    expect(page.get_by_role("complementary")).to_contain_text("You have not submitted")
    page.get_by_label("Personal dream").fill("A company that runs without me")
    page.get_by_label("Value 1").fill("Honesty")
    page.get_by_label("How you live it (1)").fill("I say what I see")
    page.get_by_label("Strength 2").fill("Focus")
    page.get_by_label("Fit % (2)").fill("80")
    wait_state(page, "saved")
    page.reload()
    wait_state(page, "saved")
    expect(page.get_by_label("Strength 1")).to_have_value("Focus")  # the empty row is left out
    # a table's own rule (rows) goes to its first field
    expect(page.get_by_label("Value 1")).to_have_accessible_description(
        re.compile("Personal values needs at least 3 rows")
    )
    shoot(page, tmp_path, "know-thyself-filled")
    assert server_data(running, token_of(page), "know-thyself")["data"] == {
        "identity": {
            "personal_dream": "A company that runs without me",
            "personal_values": [{"value": "Honesty", "how_live": "I say what I see"}],
            "strengths": [{"strength": "Focus", "fit_percent": 80}],
        }
    }


def test_the_answer_rules_show_next_to_their_fields_while_typing_and_on_submit(
    running: ServiceProcess, page: Page, email: str, tmp_path: Path
) -> None:
    sign_in(page, running, email)
    wish, obstacle = page.get_by_label("Wish"), page.get_by_label("Obstacle")
    wish.fill("Short")
    expect(wish).not_to_have_attribute("aria-invalid", "true")  # not while typing
    wish.blur()  # left too short: the schema's minLength says so, in the server's words
    expect(wish).to_have_accessible_description(re.compile("Wish must be at least 10 characters"))
    wait_state(page, "saved")  # the save's problems name the same rule: shown once
    expect(page.locator("#wish-problems")).to_have_text("Wish must be at least 10 characters.")
    wish.fill("Short no more: a wish of some length")
    expect(wish).not_to_have_attribute("aria-invalid", "true")

    page.get_by_label("Outcome").fill("An outcome long enough to count")
    page.get_by_label("Plan").fill("If I doubt, then I read my wish aloud")
    obstacle.fill("x" * 1001)  # over the rule's 1,000 characters: shown at once
    expect(obstacle).to_have_accessible_description(re.compile("at most 1000 characters"))
    wait_state(page, "saved")
    page.get_by_label("Wish").focus()
    page.get_by_role("button", name="Submit WOOP").click()
    expect(page.get_by_role("alert")).to_have_text("Not submitted: one answer needs attention.")
    expect(obstacle).to_be_focused()  # the server's 422 INVALID_ANSWERS, mapped by path
    shoot(page, tmp_path, "woop-rules")
    obstacle.fill("Meetings")
    wait_state(page, "saved")
    page.get_by_role("button", name="Submit WOOP").click()
    wait_state(page, "submitted")


def test_the_keyboard_reaches_every_field_in_reading_order_and_submits(
    running: ServiceProcess, page: Page, email: str
) -> None:
    sign_in(page, running, email)
    page.locator("body").focus()
    order = []
    for _ in range(7):
        page.keyboard.press("Tab")
        order.append(
            page.evaluate("document.activeElement.id || document.activeElement.textContent")
        )
    assert order == [
        "wish",
        "outcome",
        "obstacle",
        "plan",
        "Submit WOOP",
        "Download PDF",
        "Next: Know Thyself",
    ]
    for field, text in WOOP.items():
        page.get_by_label(field.capitalize()).press_sequentially(text)
    wait_state(page, "saved")
    page.get_by_role("button", name="Submit WOOP").focus()
    page.keyboard.press("Enter")
    wait_state(page, "submitted")
