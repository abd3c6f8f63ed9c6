"""A supervisor watches a campaign's board while two agents work (three browser contexts):
live states and counts, a waiting customer's time ticking, Spy, Monitor screen, Pause, the
chat both ways, and Log out agent, whose conversation goes to the other agent. A supervisor
of another group sees none of it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from agents.models import BreakType
from conversations.models import Interaction
from conversations.states import InteractionState
from monitoring.models import AuditEntry
from tests.campaigns.factories import make_campaign
from tests.conftest import make_user, screenshot, sign_in, wait_until
from tests.conversations.factories import member
from tests.conversations.test_presence import written

pytestmark = pytest.mark.browser


def new_tab(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(10_000)
    return context.new_page()


def row(tab, agent):
    return tab.locator(f"#agents-body tr[data-agent='{agent.pk}']")


def type_draft(tab, interaction_id: int, text: str) -> None:
    """The agent types a reply: in the inbox's composer when the page has it, else as the inbox
    announces it (the contract: a ``cc:inbox`` draft event)."""
    if tab.locator("#interaction-list").count():
        tab.click(f"#interaction-list [data-interaction-id='{interaction_id}'] button")
        tab.fill("#composer-text", text)
        return
    tab.evaluate(
        """([id, text]) => {
             document.dispatchEvent(new CustomEvent("cc:inbox", {detail: {type: "open", interaction: id}}));
             document.dispatchEvent(new CustomEvent("cc:inbox",
               {detail: {type: "draft", interaction: id, text: text}}));
           }""",
        [interaction_id, text],
    )


def test_board_spy_screen_pause_chat_and_log_out(
    page, browser, live_url, supervisor, other_supervisor, group
) -> None:
    BreakType.objects.get_or_create(name="Lunch", defaults={"icon": "cup-hot"})
    campaign = make_campaign(supervisor, max_interactions_per_agent=1)
    alex = make_user("alex", "agent", [group])
    alex.screen_monitoring = True
    alex.save()
    bea = make_user("bea", "agent", [group])
    for agent in (alex, bea):
        member(campaign, agent, signed_in=False)

    boss = page
    sign_in(boss, live_url, supervisor.username)
    boss.goto(f"{live_url}/monitoring/?campaign={campaign.pk}")
    boss.wait_for_selector("#board[data-loaded]")

    agent1 = new_tab(browser)
    sign_in(agent1, live_url, alex.username)
    agent1.goto(f"{live_url}/inbox/")
    agent1.wait_for_selector("body[data-live=connected]")
    expect(row(boss, alex).locator(".state")).to_have_text("Free")
    expect(row(boss, bea).locator(".state")).to_have_text("Disconnected")

    first = written(campaign, "099000001")  # alex takes it at once
    assert first.agent == alex
    expect(row(boss, alex).locator(".state")).to_have_text("Busy")
    expect(row(boss, alex).locator(".active")).to_have_text("1")
    expect(row(boss, alex).locator(".channels svg")).to_have_count(1)
    written(campaign, "099000002")  # nobody has a slot: it waits
    waiting = boss.locator("#waiting-body tr")
    expect(waiting).to_have_count(1)
    expect(waiting.locator(".number")).to_have_text("+59899000002")
    held = waiting.locator(".since")
    before = held.inner_text()
    boss.wait_for_timeout(2100)
    assert held.inner_text() != before  # ticking in the browser
    figures = boss.locator(f".campaign-figures[data-campaign='{campaign.pk}']")
    expect(figures.locator("[data-testid=received]")).to_have_text("2")
    expect(figures.locator("[data-testid=waiting]")).to_have_text("1 / 10")
    screenshot(boss, "monitoring-board")

    # Spy: the conversation, then alex's reply as it is sent.
    row(boss, alex).click()
    expect(boss.locator("[data-testid=action-screen]")).to_be_visible()
    boss.click("[data-testid=action-spy]")
    spy = boss.locator("[data-testid=spy]")
    expect(spy).to_contain_text("hello")
    csrf = next(c["value"] for c in agent1.context.cookies() if c["name"] == "csrftoken")
    answer = agent1.request.post(
        f"{live_url}/api/v1/interactions/{first.pk}/reply",
        data={"text": "Hola, te ayudo"},
        headers={"X-CSRFToken": csrf, "Referer": live_url + "/inbox/"},
    )
    assert answer.status == 201, answer.text()
    expect(spy).to_contain_text("Hola, te ayudo")
    expect(figures.locator("[data-testid=answered]")).to_have_text("1")
    screenshot(boss, "monitoring-spy")

    # Monitor screen: alex's page shows it is watched, and what alex types reaches the board.
    boss.click("[data-testid=action-screen]")
    expect(agent1.locator("[data-testid=watched-indicator]")).to_be_visible()
    type_draft(agent1, first.pk, "Un momento, lo reviso")
    expect(boss.locator("[data-testid=screen-draft]")).to_have_text("Un momento, lo reviso")
    expect(boss.locator("[data-testid=screen-open]")).to_contain_text("+59899000001")
    screenshot(boss, "monitoring-screen")

    # Pause: alex is on the chosen break at once and sees who put them there.
    boss.select_option("[data-testid=pause-break-type]", "Lunch")
    boss.click("[data-testid=action-pause]")
    expect(agent1.locator("[data-testid=paused-notice]")).to_have_text(
        "Sam put you on a break: Lunch."
    )
    expect(agent1.locator("[data-testid=agent-state]")).to_have_text("Busy, on break")
    expect(row(boss, alex).locator(".state")).to_have_text("Busy, on break (Lunch)")
    expect(agent1.locator("[data-testid=watched-indicator]")).to_be_visible()
    screenshot(agent1, "monitoring-agent-paused")

    # Chat both ways, with the agent's unread count.
    boss.click("[data-testid=action-chat]")
    boss.fill("[data-testid=board-chat-text]", "Please finish 0990 first")
    boss.click("[data-testid=board-chat-send]")
    expect(agent1.locator("[data-testid=supervisor-chat-unread]")).to_have_text("1")
    agent1.click("[data-testid=supervisor-chat-toggle]")
    expect(agent1.locator("[data-testid=supervisor-chat-list]")).to_contain_text(
        "Sam: Please finish 0990 first"
    )
    expect(agent1.locator("[data-testid=supervisor-chat-unread]")).to_be_hidden()
    agent1.fill("[data-testid=supervisor-chat-text]", "On it")
    agent1.click("[data-testid=supervisor-chat-send]")
    expect(boss.locator("[data-testid=board-chat-list]")).to_contain_text("Alex: On it")
    screenshot(agent1, "monitoring-agent-chat")

    # bea's screen monitoring is off: no Monitor screen button for her.
    row(boss, bea).click()
    expect(boss.locator("[data-testid=action-spy]")).to_be_visible()
    expect(boss.locator("[data-testid=action-screen]")).to_be_hidden()

    # Log out alex: the page goes to the login, the conversation back to the head of the queue
    # (its waiting time kept), and to bea as soon as she signs in.
    row(boss, alex).click()
    boss.once("dialog", lambda dialog: dialog.accept())
    boss.click("[data-testid=action-log-out]")
    expect(boss.locator("[data-testid=panel-message]")).to_contain_text("was logged out")
    agent1.wait_for_url(re.compile(r"/login/"))
    expect(row(boss, alex).locator(".state")).to_have_text("Disconnected")
    expect(waiting).to_have_count(2)
    expect(waiting.first.locator(".number")).to_have_text("+59899000001")
    agent2 = new_tab(browser)
    sign_in(agent2, live_url, bea.username)
    agent2.goto(f"{live_url}/inbox/")
    assert wait_until(lambda: Interaction.objects.get(pk=first.pk).agent_id == bea.pk, 10), (
        "the conversation did not go to bea"
    )
    assert Interaction.objects.get(pk=first.pk).state == InteractionState.ASSIGNED
    expect(row(boss, bea).locator(".state")).to_have_text("Busy")
    expect(row(boss, bea).locator(".active")).to_have_text("1")
    expect(waiting).to_have_count(1)
    expect(waiting.locator(".number")).to_have_text("+59899000002")
    agent1.goto(f"{live_url}/inbox/")
    expect(agent1).to_have_url(re.compile(r"/login/"))
    screenshot(boss, "monitoring-logged-out")
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert actions == {"spy", "monitor_screen", "pause", "chat", "log_out"}

    # A supervisor of another group: no campaign, no agent, nothing to act on.
    sign_in(agent1, live_url, other_supervisor.username)
    agent1.goto(f"{live_url}/monitoring/?campaign={campaign.pk}")
    expect(agent1.locator("main")).to_contain_text("No campaigns in your security groups yet.")
    expect(agent1.locator("main")).not_to_contain_text("Alex")
    answer = agent1.request.get(f"{live_url}/monitoring/agents/{alex.pk}/info/")
    assert answer.status == 404
    screenshot(agent1, "monitoring-other-group")
    for tab in (agent1, agent2):
        tab.context.close()
