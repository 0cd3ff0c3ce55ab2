"""The demo tool pages and static/fasttrack-client.js in real Chromium, against the real service.

Each test signs in a new user through the development sign-in page and works as a person would:
typing, waiting for the page to say what happened, reloading, closing tabs. What the server holds
is checked over HTTP with the same user's token.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import requests
from playwright.sync_api import BrowserContext, Page, expect
from service_process import ServiceProcess

WOOP = {
    "wish": "Double the recurring revenue by next summer",
    "outcome": "A calm team that knows where the company goes",
    "obstacle": "I say yes to every meeting",
    "plan": "If a meeting has no agenda, then I decline it",
}


def sign_in(page: Page, service: ServiceProcess, email: str, path: str = "/tools/woop.html") -> None:
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
