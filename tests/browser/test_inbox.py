"""The agent's inbox as agents use it (issue 12), in real Chromium against the live ASGI server,
the suite's Celery worker (routing, sending) and a fake Twilio: customers write through the
provider's real inbound webhook, replies reach the fake provider over HTTP, delivery reports come
back through the status webhook.

One world per test (the database is emptied after each): agent1 in one browser context, agent2
in another, a second tab of agent1 in the first context.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from accounts.models import User
from campaigns.models import Campaign, PresetResponse
from conversations.models import Message
from providers.configuration import webhook_url
from tests.campaigns.factories import make_campaign
from tests.conftest import make_user, screenshot, sign_in, wait_until
from tests.conversations.factories import member
from tests.conversations.outbound_setup import provider_on
from tests.fakeprovider.dialects.twilio import twilio_error
from tests.fakeprovider.server import Behaviour
from tests.providers.adapters.cases import CASES

pytestmark = pytest.mark.django_db(transaction=True)

DID = "+15550001111"
GREETING = "Hello! How can I help you today?"
ANA = "+59899111111"
BRUNO = "+59899222222"
CARLA = "+59899333333"


@dataclass
class World:
    server: object
    dialect: object
    campaign: Campaign
    agent1: User
    agent2: User
    inbound_url: str
    status_url: str

    def customer_writes(self, number: str, text: str) -> None:
        status, body = self.dialect.inbound(self.inbound_url, number, DID, text).deliver()
        assert status == 200, body

    def sent_to(self, number: str) -> list[str]:
        forms = [r.form() for r in self.server.requests if r.path.endswith("/Messages.json")]
        return [f["Body"][0] for f in forms if f.get("To") == [number]]


@pytest.fixture
def world(live_url, celery_worker, supervisor, group):
    with CASES["Twilio"].server() as server:
        provider = provider_on(server, "Twilio")
        campaign = make_campaign(
            supervisor, name="Support", provider=provider, did=DID, max_interactions_per_agent=1
        )
        PresetResponse.objects.create(campaign=campaign, title="Greeting", text=GREETING)
        agent1 = make_user("agent1", "agent", [group])
        agent2 = make_user("agent2", "agent", [group])
        member(campaign, agent1, signed_in=False)
        member(campaign, agent2, signed_in=False)
        yield World(
            server,
            server.dialects[0],
            campaign,
            agent1,
            agent2,
            webhook_url(provider, "inbound", live_url),
            webhook_url(provider, "status", live_url),
        )


def open_inbox(tab, live_url: str, username: str) -> None:
    sign_in(tab, live_url, username)
    tab.goto(f"{live_url}/inbox/")
    tab.wait_for_selector("#inbox[data-ready=true]")
    tab.wait_for_selector("body[data-live=connected]")


def row(tab, number: str):
    return tab.locator("#interaction-list [data-interaction-id]", has_text=number)


def bubbles(tab, text: str):
    return tab.locator("#message-list .bubble-text", has_text=text)


def test_an_agents_day_in_the_inbox(page, browser, live_url, world) -> None:
    agent1 = page
    open_inbox(agent1, live_url, "agent1")
    expect(agent1.locator("#agent-state")).to_have_attribute("data-state", "free")

    # A customer writes through the provider's webhook: the row appears without a reload.
    started = time.monotonic()
    world.customer_writes(ANA, "Hi, my order is late")
    expect(row(agent1, ANA)).to_be_visible()
    expect(row(agent1, ANA).locator(".unread-badge")).to_have_text("1")
    expect(row(agent1, ANA)).to_contain_text("Hi, my order is late")
    arrived = time.monotonic() - started
    expect(agent1.locator("#agent-state")).to_have_attribute("data-state", "busy")

    # A second customer waits: agent1 holds their maximum (1), agent2 is not signed in.
    world.customer_writes(BRUNO, "Is anyone there?")

    row(agent1, ANA).click()
    expect(agent1.locator("#conversation")).to_have_attribute(
        "data-interaction-id", re.compile(r"\d+")
    )
    expect(agent1.locator("#conversation-campaign")).to_have_text("Support")
    expect(agent1.locator("#conversation-number")).to_have_text(ANA)
    expect(bubbles(agent1, "Hi, my order is late")).to_have_count(1)
    expect(row(agent1, ANA).locator(".unread-badge")).to_have_count(0)

    # The answer: the pre-set response through "/" at the cursor, then an emoji.
    composer = agent1.locator("#composer-text")
    composer.click()
    composer.press("/")
    expect(agent1.locator("#preset-menu")).to_be_visible()
    expect(agent1.locator("#preset-menu [role=option]")).to_contain_text(["Greeting"])
    composer.press("Enter")
    expect(composer).to_have_value(GREETING)
    expect(agent1.locator("#composer-counter")).to_contain_text("GSM-7")
    agent1.click("#emoji-button")
    emoji = agent1.locator("#emoji-panel emoji-picker .tabpanel button[id^=emo-]").first
    emoji.wait_for(timeout=15_000)
    chosen = emoji.evaluate("b => b.textContent.trim()")
    emoji.click()
    expected = GREETING + chosen
    expect(composer).to_have_value(expected)
    expect(agent1.locator("#composer-counter")).to_contain_text("UCS-2")
    expect(agent1.locator("#composer-counter")).to_contain_text("1 segment")
    composer.press("Enter")
    mine = agent1.locator("#message-list .bubble-mine", has_text=GREETING)
    expect(mine).to_have_count(1)
    expect(mine.locator(".tick")).to_have_attribute("data-delivery", "sent", timeout=15_000)
    assert world.sent_to(ANA) == [expected]  # exactly that text, to that number, once
    message = Message.objects.get(text=expected)

    # The carrier's report turns the tick to delivered.
    assert world.dialect.status(world.status_url, message.provider_message_id,
                                "delivered").deliver()[0] == 200  # fmt: skip
    expect(mine.locator(".tick")).to_have_attribute("data-delivery", "delivered")
    expect(mine.locator(".tick")).to_contain_text("Delivered")

    # Close: the slot frees and the waiting customer appears.
    agent1.click("#close-button")
    expect(row(agent1, ANA)).to_contain_text("closed")
    expect(agent1.locator("#composer-closed")).to_be_visible()
    expect(row(agent1, BRUNO)).to_be_visible()
    expect(row(agent1, BRUNO)).to_contain_text("Is anyone there?")
    rows = agent1.locator("#interaction-list [data-interaction-id]")
    expect(rows.first).to_contain_text(BRUNO)  # open ones first

    # A refused reply says why in plain words, with a Retry button.
    row(agent1, BRUNO).click()
    world.server.then(Behaviour(reply=twilio_error(400, 21211, "The 'To' number is not valid")))
    composer.fill("This one the carrier refuses")
    composer.press("Enter")
    refused = agent1.locator("#message-list .bubble-mine", has_text="carrier refuses")
    expect(refused.locator(".tick")).to_have_attribute("data-delivery", "failed", timeout=15_000)
    expect(refused.locator(".bubble-error")).to_contain_text("The provider refused it")
    expect(refused.locator(".bubble-error")).to_contain_text("not valid")
    refused.locator(".retry-button").click()
    expect(refused.locator(".tick")).to_have_attribute("data-delivery", "sent", timeout=15_000)
    assert world.sent_to(BRUNO).count("This one the carrier refuses") == 2  # refused, then sent

    # A second tab of agent1 shows the same conversation and hears the same events.
    second = agent1.context.new_page()
    second.goto(f"{live_url}/inbox/")
    second.wait_for_selector("#inbox[data-ready=true]")
    second.wait_for_selector("body[data-live=connected]")
    row(second, BRUNO).click()
    expect(bubbles(second, "carrier refuses")).to_have_count(1)

    # The socket is cut (offline, and the page's socket closed); meanwhile the customer writes
    # twice and agent1 sends a reply (clicking twice): queued visibly, then delivered once.
    agent1.context.set_offline(True)
    agent1.evaluate("window.ccEvents.socket().close()")
    expect(agent1.locator("#live-status")).to_contain_text("Offline")
    world.customer_writes(BRUNO, "First while you were away")
    world.customer_writes(BRUNO, "Second while you were away")
    composer.fill("Sent while offline")
    agent1.click("#send-button")
    agent1.click("#send-button")
    waiting = agent1.locator("#message-list .bubble-mine", has_text="Sent while offline")
    expect(waiting.locator(".tick")).to_have_attribute("data-delivery", "waiting")
    expect(waiting.locator(".tick")).to_contain_text("Waiting for the connection")
    assert world.sent_to(BRUNO).count("Sent while offline") == 0
    agent1.context.set_offline(False)
    expect(agent1.locator("body")).to_have_attribute("data-live", "connected", timeout=15_000)
    expect(bubbles(agent1, "First while you were away")).to_have_count(1)
    expect(bubbles(agent1, "Second while you were away")).to_have_count(1)
    expect(waiting.locator(".tick")).to_have_attribute("data-delivery", "sent", timeout=15_000)
    expect(bubbles(agent1, "Sent while offline")).to_have_count(1)
    for tab in (agent1, second):  # the second tab (same context: offline too) caught up too
        for text in ("First while you were away", "Second while you were away"):
            expect(bubbles(tab, text)).to_have_count(1)
        expect(bubbles(tab, "Sent while offline")).to_have_count(1)
    assert world.sent_to(BRUNO).count("Sent while offline") == 1
    # No message shows twice after the catch-up.
    shown = agent1.locator("#message-list [data-message-id]").evaluate_all(
        "els => els.map(e => e.dataset.messageId)"
    )
    assert (
        len(shown) == len(set(shown)) == Message.objects.filter(interaction__number=BRUNO).count()
    )

    # Start interaction: a bad number is refused in the dialog, a good one opens it.
    agent1.click("#start-button")
    agent1.fill("#start-number", "12")
    agent1.fill("#start-text", "We have news about your claim")
    agent1.click("#start-submit")
    expect(agent1.locator("#start-number-error")).to_contain_text("not a valid phone number")
    expect(agent1.locator("#start-dialog")).to_be_visible()
    agent1.fill("#start-number", "099 444 444")
    agent1.click("#start-submit")
    expect(agent1.locator("#start-dialog")).to_be_hidden()
    expect(agent1.locator("#conversation-number")).to_have_text("+59899444444")
    expect(bubbles(agent1, "We have news about your claim")).to_have_count(1)
    expect(row(agent1, "+59899444444")).to_be_visible()
    wait_until(lambda: "We have news about your claim" in world.sent_to("+59899444444"), 15)

    # The three-dot menu: the customer's previous interactions, read only.
    row(agent1, BRUNO).click()
    world.customer_writes(ANA, "Me again")  # waits: agent1 is full
    screenshot(agent1, "inbox-1280")
    agent1.set_viewport_size({"width": 390, "height": 800})
    agent1.click("#back-button")
    expect(agent1.locator("#interaction-list")).to_be_visible()
    expect(agent1.locator("#conversation")).to_be_hidden()
    screenshot(agent1, "inbox-390-list")
    row(agent1, BRUNO).click()
    expect(agent1.locator("#interaction-list")).to_be_hidden()
    expect(agent1.locator("#composer-text")).to_be_visible()
    screenshot(agent1, "inbox-390-conversation")
    agent1.set_viewport_size({"width": 1280, "height": 800})

    # agent2 signs in, takes the waiting customer, and never sees agent1's conversations.
    context2 = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    try:
        agent2 = context2.new_page()
        open_inbox(agent2, live_url, "agent2")
        expect(row(agent2, ANA)).to_be_visible()
        row(agent2, ANA).click()
        expect(bubbles(agent2, "Me again")).to_have_count(1)
        expect(bubbles(agent2, "Hi, my order is late")).to_have_count(0)
        agent2.click("#history-button")
        previous = agent2.locator("#history-list button")
        expect(previous).to_have_count(1)  # ANA's first interaction, closed by agent1
        previous.click()
        expect(agent2.locator("#history-messages")).to_contain_text("Hi, my order is late")
        expect(agent2.locator("#history-messages .retry-button")).to_have_count(0)
        agent2.click("#history-close")
        listed = agent2.locator("#interaction-list").inner_text()
        for number in (BRUNO, "+59899444444"):
            assert number not in listed
        assert agent2.request.get(f"{live_url}/api/v1/interactions/"
                                  f"{row_id(agent1, BRUNO)}/").status == 404  # fmt: skip
        expect(row(agent1, ANA)).to_have_count(1)  # agent1 still sees only the closed one
    finally:
        context2.close()
    assert arrived < 5, f"the first message took {arrived:.1f} s to show"


def row_id(tab, number: str) -> str:
    return row(tab, number).first.get_attribute("data-interaction-id")


XSS = [
    '<img src=x onerror="window.__xss = 1">',
    "<script>window.__xss = 2</script>",
]


def test_customer_text_is_text_and_a_long_message_keeps_the_layout(page, live_url, world) -> None:
    open_inbox(page, live_url, "agent1")
    world.customer_writes(CARLA, XSS[0])
    expect(row(page, CARLA)).to_be_visible()
    # Keyboard only: "?" lists the shortcuts, Esc closes it, "j" opens the first interaction.
    page.locator("body").press("?")
    expect(page.locator("#help-dialog")).to_be_visible()
    expect(page.locator("#help-dialog")).to_contain_text("Next / previous interaction")
    page.keyboard.press("Escape")
    expect(page.locator("#help-dialog")).to_be_hidden()
    page.keyboard.press("j")
    expect(page.locator("#conversation-number")).to_have_text(CARLA)
    world.customer_writes(CARLA, XSS[1])
    # Screen readers hear it (the live region), as text.
    expect(page.locator("#inbox-announcer")).to_contain_text("New message from " + CARLA)
    long_text = ("Lorem-ipsum-" * 200)[:1998] + " ."
    world.customer_writes(CARLA, long_text)
    for text in XSS:
        expect(bubbles(page, text)).to_have_count(1)
    expect(page.locator("#message-list .bubble-text").last).to_have_text(long_text)
    assert page.evaluate("window.__xss") is None
    assert page.locator("#message-list img").count() == 0
    assert page.evaluate(
        "(() => { const l = document.getElementById('message-list');"
        " return l.scrollWidth <= l.clientWidth + 1; })()"
    ), "a long message widened the conversation"
    pane = page.locator("#conversation").bounding_box()
    assert pane["x"] + pane["width"] <= 1280
    expect(row(page, CARLA).locator(".row-preview")).to_contain_text("Lorem-ipsum")
    screenshot(page, "inbox-long-message")
