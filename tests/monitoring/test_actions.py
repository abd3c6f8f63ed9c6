"""A supervisor's actions on an agent (SPEC §5): pause, log out, chat, spy, info, monitor
screen; each written to the audit log; another group's agent is a 404, agents may not act."""

from __future__ import annotations

import json

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from agents.models import AgentStateChange, AgentStatus, BreakType
from agents.states import AgentState
from conversations.states import InteractionState
from monitoring.models import AuditEntry, ChatMessage
from monitoring.selectors import supervision_state
from tests.campaigns.factories import make_campaign
from tests.conftest import make_user
from tests.conversations.factories import member
from tests.conversations.sockets import EventSocket
from tests.conversations.test_presence import written

pytestmark = pytest.mark.django_db(transaction=True)


def browser(user) -> Client:
    client = Client()
    client.force_login(user)  # a session row and the login signal, as a real login
    return client


def post(client: Client, url: str, body: dict | None = None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def desk(supervisor, group):
    """A campaign with agent alex signed in (a web session), and sam supervising."""
    for position, (name, icon) in enumerate([("Lunch", "cup-hot"), ("Coffee", "cup")]):
        BreakType.objects.get_or_create(name=name, defaults={"icon": icon, "position": position})
    campaign = make_campaign(supervisor, max_interactions_per_agent=1)
    alex = member(campaign, make_user("alex", "agent", [group]), signed_in=False)
    return campaign, alex, browser(alex), browser(supervisor)


def state_of(agent) -> AgentStatus:
    return AgentStatus.objects.get(agent=agent)


def test_pause_puts_the_agent_on_the_break_and_says_who_and_a_second_pause_changes_the_type(
    desk, supervisor, group
) -> None:
    _, alex, _, boss = desk
    answer = post(boss, f"/monitoring/agents/{alex.pk}/pause/", {"break_type": "Lunch"})
    assert answer.status_code == 200, answer.content
    assert (state_of(alex).state, state_of(alex).break_type) == (AgentState.FREE_ON_BREAK, "Lunch")
    assert supervision_state(alex)["paused_by"] == "Sam"
    changes = AgentStateChange.objects.filter(agent=alex).count()

    # Another supervisor at the same time: the last action wins, the break type only changes.
    other_boss = browser(make_user("sue", "supervisor", [group]))
    answer = post(other_boss, f"/monitoring/agents/{alex.pk}/pause/", {"break_type": "Coffee"})
    assert answer.status_code == 200
    status = state_of(alex)
    assert (status.state, status.break_type) == (AgentState.FREE_ON_BREAK, "Coffee")
    assert AgentStateChange.objects.filter(agent=alex).count() == changes + 1
    assert supervision_state(alex)["paused_by"] == "Sue"
    entries = AuditEntry.objects.filter(agent=alex, action="pause").order_by("at")
    assert [(e.actor.username, e.detail) for e in entries] == [("sam", "Lunch"), ("sue", "Coffee")]


def test_pause_refuses_an_unknown_break_and_a_disconnected_agent(desk, group) -> None:
    _, alex, agent_browser, boss = desk
    answer = post(boss, f"/monitoring/agents/{alex.pk}/pause/", {"break_type": "Siesta"})
    assert answer.status_code == 400 and "break_type" in answer.json()
    agent_browser.logout()
    answer = post(boss, f"/monitoring/agents/{alex.pk}/pause/", {"break_type": "Lunch"})
    assert answer.status_code == 409 and "not connected" in answer.json()["detail"]
    assert state_of(alex).state == AgentState.DISCONNECTED  # a pause never signs anyone in
    assert not AuditEntry.objects.filter(action="pause").exists()


def test_log_out_ends_every_session_and_socket_and_requeues_to_another_agent(
    desk, live_url, group
) -> None:
    campaign, alex, agent_browser, boss = desk
    tab = EventSocket(live_url, alex)  # a second session, with its socket
    held = written(campaign, "099000001")
    assert held.agent == alex
    bob = member(campaign, make_user("bob", "agent", [group]))

    answer = post(boss, f"/monitoring/agents/{alex.pk}/log-out/")
    assert answer.status_code == 200 and answer.json()["logged_out"] is True

    held.refresh_from_db()
    assert (held.state, held.agent) == (InteractionState.ASSIGNED, bob)
    assert state_of(alex).state == AgentState.DISCONNECTED
    assert tab.closed_code() == 4401
    assert agent_browser.get("/inbox/").status_code == 302  # must sign in again
    owners = [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()]
    assert str(alex.pk) not in owners
    entry = AuditEntry.objects.get(action="log_out")
    assert (entry.actor.username, entry.agent, entry.detail) == (
        "sam", alex, "2 sessions, 1 interactions requeued"
    )  # fmt: skip

    again = post(boss, f"/monitoring/agents/{alex.pk}/log-out/")
    assert again.status_code == 200 and again.json()["logged_out"] is False
    assert "not connected" in again.json()["detail"]


def test_chat_both_ways_kept_with_an_unread_count(desk, supervisor) -> None:
    _, alex, agent_browser, boss = desk
    assert post(agent_browser, "/monitoring/me/chat/", {"text": "hi"}).status_code == 400
    assert post(boss, f"/monitoring/agents/{alex.pk}/chat/", {"text": " "}).json() == {
        "text": ["Write a message."]
    }
    for text in ("Take 099?", "Now please"):
        assert post(boss, f"/monitoring/agents/{alex.pk}/chat/", {"text": text}).status_code == 201
    me = agent_browser.get("/monitoring/me/").json()
    assert me["unread"] == 2 and [m["text"] for m in me["chat"]] == ["Take 099?", "Now please"]
    assert post(agent_browser, "/monitoring/me/chat/read/").json() == {"read": 2}
    assert post(agent_browser, "/monitoring/me/chat/", {"text": "On it"}).status_code == 201
    thread = boss.get(f"/monitoring/agents/{alex.pk}/chat/").json()["messages"]
    assert [(m["from_agent"], m["text"]) for m in thread] == [
        (False, "Take 099?"), (False, "Now please"), (True, "On it")
    ]  # fmt: skip
    assert ChatMessage.objects.get(from_agent=True).supervisor == supervisor
    assert AuditEntry.objects.filter(action="chat").count() == 2


def test_spy_leaves_no_read_marks_and_info_sums_up_today(desk) -> None:
    campaign, alex, _, boss = desk
    held = written(campaign, "099000001")
    assert held.agent == alex and held.unread == 1
    spied = boss.get(f"/monitoring/agents/{alex.pk}/spy/").json()
    (conversation,) = spied["conversations"]
    assert [m["text"] for m in conversation["messages"]] == ["hello"]
    held.refresh_from_db()
    assert held.unread == 1
    info = boss.get(f"/monitoring/agents/{alex.pk}/info/").json()
    assert (info["username"], info["groups"], info["campaigns"]) == ("alex", ["Sales"], ["Sales"])
    assert info["interactions_today"] == 1 and [h["to"] for h in info["history"]] == [
        "free", "busy"
    ]  # fmt: skip
    assert set(AuditEntry.objects.values_list("action", flat=True)) == {"spy", "info"}


def test_monitor_screen_only_for_agents_with_it_on(desk) -> None:
    _, alex, _, boss = desk
    assert post(boss, f"/monitoring/agents/{alex.pk}/screen/").status_code == 409
    alex.screen_monitoring = True
    alex.save()
    assert post(boss, f"/monitoring/agents/{alex.pk}/screen/").status_code == 200
    assert AuditEntry.objects.get().action == "monitor_screen"


def test_another_groups_supervisor_gets_404_and_agents_403(desk, other_supervisor) -> None:
    campaign, alex, agent_browser, _ = desk
    outsider = browser(other_supervisor)
    for path in ("info/", "spy/", "chat/"):
        assert outsider.get(f"/monitoring/agents/{alex.pk}/{path}").status_code == 404
    for path in ("pause/", "log-out/", "chat/", "screen/"):
        assert post(outsider, f"/monitoring/agents/{alex.pk}/{path}", {}).status_code == 404
    for bad in ("abc", "0", "99999999999999999999"):
        assert outsider.get(f"/monitoring/agents/{bad}/info/").status_code == 404
    snapshot = outsider.get(f"/monitoring/board/?campaign={campaign.pk}").json()
    assert snapshot["campaigns"] == [] and snapshot["agents"] == [] and snapshot["open"] == []
    assert agent_browser.get(f"/monitoring/agents/{alex.pk}/info/").status_code == 403
    assert agent_browser.get("/monitoring/board/").status_code == 403
    assert state_of(alex).state == AgentState.FREE
    assert not AuditEntry.objects.exists()


def test_the_audit_log_is_listed_for_admins_only(desk, admin) -> None:
    _, alex, _, boss = desk
    assert post(boss, f"/monitoring/agents/{alex.pk}/pause/", {"break_type": "Lunch"}).json() == {
        "agent": alex.pk, "state": "free_on_break", "break_type": "Lunch"
    }  # fmt: skip
    page = browser(admin).get("/monitoring/audit/")
    assert page.status_code == 200
    assert b"Sam" in page.content and b"Alex" in page.content and b"Pause" in page.content
    assert boss.get("/monitoring/audit/").status_code == 403


def test_a_supervisors_socket_that_drops_stops_watching_and_leaves_the_agent_as_is(
    desk, live_url, supervisor
) -> None:
    _, alex, _, _ = desk
    alex.screen_monitoring = True
    alex.save()
    agent_tab = EventSocket(live_url, alex)
    assert agent_tab.until(lambda e: e["kind"] == "supervision.watch")[-1]["payload"] == {
        "watched": False
    }
    boss_tab = EventSocket(live_url, supervisor)
    boss_tab.send({"watch": alex.pk})
    boss_tab.until(lambda e: e["kind"] == "screen.watching")
    assert agent_tab.until(lambda e: e["kind"] == "supervision.watch")[-1]["payload"] == {
        "watched": True
    }
    agent_tab.send({"screen": {"type": "draft", "interaction": 7, "text": "Hola, ya"}})
    shown = boss_tab.until(lambda e: e["kind"] == "screen")[-1]["payload"]
    assert (shown["agent"], shown["type"], shown["text"]) == (alex.pk, "draft", "Hola, ya")
    before = state_of(alex).state
    boss_tab.close()
    assert agent_tab.until(lambda e: e["kind"] == "supervision.watch")[-1]["payload"] == {
        "watched": False
    }
    assert state_of(alex).state == before == AgentState.FREE
