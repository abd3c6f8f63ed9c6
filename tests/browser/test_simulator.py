"""The customer simulator drives a conversation end to end on make run's demo campaign (Sandbox
provider), with a real worker: the customer writes in the simulator (supervisor's window), the
message is routed to agent1 (signed in in a second window), agent1 answers through the REST API,
and the answer appears in the simulator, delivered, without a reload. Customer and agent text
is shown as text: markup in it never runs."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from accounts.models import SecurityGroup
from accounts.roles import Role
from accounts.tokens import create_api_token
from simulator.demo import create_demo_campaign
from simulator.models import SandboxDelivery
from tests.conftest import make_user, screenshot, sign_in

CUSTOMER_TEXT = 'Hi <img src=x onerror="window.__xss=1"> I need help'
AGENT_TEXT = "Hello! <script>window.__xss=2</script> How can I help? 🙂"


def assigned_to_agent(request, live_url: str, key: str, seconds: float = 20) -> dict:
    """The interaction the REST API shows agent1 (polled: routing runs on the worker)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        answer = request.get(
            f"{live_url}/api/v1/interactions/?state=assigned",
            headers={"Authorization": f"Token {key}"},
        )
        assert answer.ok, answer.text()
        found = [i for i in answer.json()["results"] if i["number"] == "+59899123456"]
        if found:
            return found[0]
        time.sleep(0.2)  # a poll interval
    raise AssertionError("the customer's message never reached agent1")


class SocketCutter:
    """Passes the page's event socket through to the server until ``cut()``: then the socket is
    closed and reconnections are refused until ``restore()``."""

    def __init__(self) -> None:
        self.refusing = False
        self.open: list = []

    def route(self, socket) -> None:
        if self.refusing:
            socket.close(code=4000, reason="cut by the test")
            return
        self.open.append((socket, socket.connect_to_server()))

    def cut(self) -> None:
        self.refusing = True
        for page_side, server_side in self.open:
            server_side.close()
            page_side.close(code=4000, reason="cut by the test")
        self.open.clear()

    def restore(self) -> None:
        self.refusing = False


def test_simulator_drives_a_conversation_end_to_end(
    page, browser, live_url, celery_worker, settings
):
    settings.SIMULATOR_POLL_SECONDS = (
        600  # what reaches the page comes by the socket or a reconnect
    )
    group = SecurityGroup.objects.create(name="Demo")
    make_user("admin", Role.ADMIN)
    make_user("supervisor", Role.SUPERVISOR, [group])
    agent1 = make_user("agent1", Role.AGENT, [group])
    make_user("agent2", Role.AGENT, [group])
    create_demo_campaign()  # what make run does
    _token, key = create_api_token(user=agent1, name="browser test")

    # agent1's window: signed in, the socket open (present, free).
    agent_context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    agent_context.set_default_timeout(10_000)
    agent_tab = agent_context.new_page()
    try:
        sign_in(agent_tab, live_url, "agent1")
        agent_tab.goto(f"{live_url}/inbox/")
        agent_tab.wait_for_selector("body[data-live=connected]")

        # The supervisor's window plays the customer.
        sockets = SocketCutter()
        page.route_web_socket("**/ws/events/", sockets.route)
        sign_in(page, live_url, "supervisor")
        page.goto(f"{live_url}/simulator/")
        page.evaluate("window.__sameDocument = true")
        page.get_by_test_id("sim-campaign").select_option(label="Demo · DID 5000")
        page.get_by_test_id("sim-number").fill("12")
        page.get_by_test_id("sim-open").click()
        expect(page.get_by_test_id("sim-number-error")).to_contain_text(
            "“12” is not a valid phone number"
        )
        page.get_by_test_id("sim-number").fill("099 123 456")
        page.get_by_test_id("sim-open").click()
        expect(page.get_by_test_id("sim-title")).to_have_text("+59899123456 in Demo · DID 5000")
        page.wait_for_selector("#simulator[data-live=subscribed]")
        page.get_by_test_id("sim-text").fill(CUSTOMER_TEXT)
        page.get_by_test_id("sim-text").press("Enter")
        customer = page.locator("[data-testid=sim-message][data-author=customer]")
        expect(customer.get_by_test_id("sim-message-text")).to_have_text(CUSTOMER_TEXT)

        # Routed by the worker to agent1, as the REST API shows agent1.
        interaction = assigned_to_agent(agent_context.request, live_url, key)
        expect(page.get_by_test_id("sim-state")).to_have_text("With Agent1")

        answer = agent_context.request.post(
            f"{live_url}/api/v1/interactions/{interaction['id']}/reply",
            headers={"Authorization": f"Token {key}", "Content-Type": "application/json"},
            data={"text": AGENT_TEXT},
        )
        assert answer.status == 201, answer.text()

        reply = page.locator("[data-testid=sim-message][data-author=agent]")
        expect(reply.get_by_test_id("sim-message-text")).to_have_text(AGENT_TEXT)
        expect(reply.get_by_test_id("sim-delivery")).to_have_text(
            re.compile("Delivered"), timeout=20_000
        )
        expect(reply).to_contain_text("Agent1")
        assert page.evaluate("window.__sameDocument") is True  # live, not reloaded
        assert page.evaluate("window.__xss") is None  # neither text ran as markup
        screenshot(page, "simulator-1280")

        # The socket is cut; a reply delivered meanwhile shows once it reconnects (catch-up
        # from the database), once.
        sockets.cut()
        page.wait_for_selector("body[data-live=disconnected]")
        page.evaluate("document.getElementById('simulator').dataset.live = ''")
        answer = agent_context.request.post(
            f"{live_url}/api/v1/interactions/{interaction['id']}/reply",
            headers={"Authorization": f"Token {key}", "Content-Type": "application/json"},
            data={"text": "Sent while you were away"},
        )
        assert answer.status == 201, answer.text()
        deadline = time.monotonic() + 20
        while not SandboxDelivery.objects.filter(
            text="Sent while you were away", reported="delivered"
        ).exists():
            assert time.monotonic() < deadline, "the second reply was never delivered"
            time.sleep(0.2)  # a poll interval
        expect(page.get_by_text("Sent while you were away")).to_have_count(0)
        sockets.restore()
        page.wait_for_selector("#simulator[data-live=subscribed]", timeout=40_000)
        late = reply.filter(has_text="Sent while you were away")
        expect(late).to_have_count(1)
        expect(late.get_by_test_id("sim-delivery")).to_have_text(re.compile("Delivered"))
        expect(reply).to_have_count(2)
        page.set_viewport_size({"width": 390, "height": 844})  # a phone: one column
        page.get_by_test_id("sim-text").scroll_into_view_if_needed()
        expect(page.get_by_test_id("sim-send")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways at 390 px ({width} px wide)"
        screenshot(page, "simulator-390")

        sent = SandboxDelivery.objects.get(text=AGENT_TEXT)
        assert (sent.number, sent.reported) == ("+59899123456", "delivered")
    finally:
        agent_context.close()
