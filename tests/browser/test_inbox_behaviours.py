"""The inbox behaviours a person meets beyond an ordinary day (issue 12), in real Chromium on the
live ASGI server with the suite's Celery worker and a fake provider: notifications and the title
badge while the tab is hidden, being sent to the login page when the login ends, older messages
on scroll, the page in Spanish, and a WhatsApp conversation whose 24-hour window has closed.

The tab's visibility: headless Chromium reports every page as visible (bringing another page to
the front, or minimising the window, changes nothing), so ``HIDDEN_TAB`` makes
``document.hidden`` / ``visibilityState`` answer what the test sets and dispatches the
``visibilitychange`` a browser dispatches. ``window.Notification`` is wrapped to record what the
page shows, while still constructing the browser's real notification.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.sessions import end_access
from agents.models import BreakType
from campaigns.models import Campaign
from conversations.models import Interaction, Message
from conversations.routing import route_message
from monitoring.services import log_out_agent
from tests.browser.test_inbox import (  # noqa: F401  (world: the fixture, used by name)
    ANA,
    BRUNO,
    DID,
    bubbles,
    open_inbox,
    row,
    world,
)
from tests.campaigns.factories import make_campaign
from tests.conftest import PASSWORD, make_user, screenshot, sign_in, wait_until
from tests.conversations.factories import inbound, member
from tests.conversations.outbound_setup import provider_on
from tests.providers.adapters.cases import CASES

pytestmark = pytest.mark.django_db(transaction=True)

HIDDEN_TAB = """
(() => {
  let hidden = false;
  Object.defineProperty(Document.prototype, "hidden", { configurable: true, get: () => hidden });
  Object.defineProperty(Document.prototype, "visibilityState", {
    configurable: true, get: () => (hidden ? "hidden" : "visible") });
  window.__setHidden = (value) => {
    hidden = value;
    document.dispatchEvent(new Event("visibilitychange"));
  };
  window.__notifications = [];
  window.__permissionAsks = 0;
  const Real = window.Notification;
  if (!Real) { return; }
  function Recording(title, options) {
    const made = new Real(title, options);
    window.__notifications.push({ title: title, body: options && options.body, made: made });
    return made;
  }
  Recording.prototype = Real.prototype;
  Object.defineProperty(Recording, "permission", { get: () => Real.permission });
  Recording.requestPermission = function () {
    window.__permissionAsks += 1;
    // The person closes the prompt without answering: the permission stays "default" (as
    // Chrome leaves it), so only the page's own "ask once" keeps it from asking again.
    return Promise.resolve("default");
  };
  window.Notification = Recording;
})();
"""


# The connection cut for as long as a test wants: while ``__cutSocket`` is set, the page's new
# sockets go to a closed port and fail at once (Playwright's offline mode does not hold back a
# reconnect to 127.0.0.1 reliably). Back: the page hears "online" and reconnects at once.
CUT_SOCKET = """
(() => {
  const Real = window.WebSocket;
  window.__cutSocket = false;
  window.WebSocket = function (url, protocols) {
    return new Real(window.__cutSocket ? "ws://127.0.0.1:9/" : url, protocols);
  };
  window.WebSocket.prototype = Real.prototype;
  ["CONNECTING", "OPEN", "CLOSING", "CLOSED"].forEach((k) => { window.WebSocket[k] = Real[k]; });
})();
"""


def cut_socket(tab) -> None:
    tab.evaluate("window.__cutSocket = true; window.ccEvents.socket().close()")
    expect(tab.locator("#live-status")).to_contain_text("Offline")


def restore_socket(tab) -> None:
    tab.evaluate("window.__cutSocket = false; window.dispatchEvent(new Event('online'))")
    expect(tab.locator("body")).to_have_attribute("data-live", "connected")


def notifications(tab) -> list[dict]:
    return tab.evaluate("window.__notifications.map(n => ({title: n.title, body: n.body}))")


def unread(tab, number: str):
    return row(tab, number).locator(".unread-badge")


# ------------------------------------------------------------------ 1. hidden tab
def test_a_hidden_tab_counts_new_messages_in_its_title_and_notifies(
    page,
    live_url,
    world,  # noqa: F811
) -> None:
    Campaign.objects.filter(pk=world.campaign.pk).update(max_interactions_per_agent=2)
    page.context.grant_permissions(["notifications"], origin=live_url)
    page.add_init_script(HIDDEN_TAB)
    page.add_init_script(CUT_SOCKET)
    open_inbox(page, live_url, "agent1")
    assert page.evaluate("Notification.permission") == "granted"
    title = page.title()
    assert not title.startswith("(")

    # Visible tab: the message shows, no notification, no count in the title.
    world.customer_writes(ANA, "Hi, my order is late")
    expect(row(page, ANA)).to_be_visible()
    row(page, ANA).click()
    expect(bubbles(page, "Hi, my order is late")).to_have_count(1)
    expect(unread(page, ANA)).to_have_count(0)
    assert notifications(page) == []
    assert page.title() == title

    # The agent switches to another tab: the open conversation's customer writes again.
    page.evaluate("window.__setHidden(true)")
    world.customer_writes(ANA, "Are you there?")
    expect(page).to_have_title("(1) " + title)
    expect(bubbles(page, "Are you there?")).to_have_count(1)
    expect(unread(page, ANA)).to_have_text("1")  # not read: nobody is looking
    assert notifications(page) == [{"title": f"New message from {ANA}", "body": "Are you there?"}]

    # A new customer while the tab is hidden: counted and notified too.
    world.customer_writes(BRUNO, "Hello? New customer here")
    expect(row(page, BRUNO)).to_be_visible()
    expect(page).to_have_title("(2) " + title)
    assert notifications(page)[1:] == [
        {"title": f"New message from {BRUNO}", "body": "Hello? New customer here"}
    ]

    # Back to the tab: the count leaves the title, the open conversation is read.
    page.evaluate("window.__setHidden(false)")
    expect(page).to_have_title(title)
    expect(unread(page, ANA)).to_have_count(0)
    expect(unread(page, BRUNO)).to_have_text("1")
    assert wait_until(lambda: Interaction.objects.get(number=ANA).unread == 0, 5)  # and stored

    # Clicking the notification opens its conversation.
    page.evaluate("window.__setHidden(true)")
    page.evaluate("window.__notifications[1].made.onclick()")
    expect(page.locator("#conversation-number")).to_have_text(BRUNO)
    expect(bubbles(page, "Hello? New customer here")).to_have_count(1)
    page.evaluate("window.__setHidden(false)")
    expect(unread(page, BRUNO)).to_have_count(0)
    assert len(notifications(page)) == 2

    # Hidden, and the connection drops meanwhile: what the customer wrote while it was down is
    # counted and notified once it is back (from the refetched list), once.
    page.evaluate("window.__setHidden(true)")
    cut_socket(page)
    world.customer_writes(ANA, "Written while you were offline")
    assert wait_until(lambda: Interaction.objects.get(number=ANA).unread == 1, 10)
    page.wait_for_timeout(300)  # its event went out to no socket of this page
    assert page.title() == title
    restore_socket(page)
    expect(row(page, ANA)).to_contain_text("Written while you were offline")
    expect(page).to_have_title("(1) " + title)
    assert notifications(page)[2:] == [
        {"title": f"New message from {ANA}", "body": "Written while you were offline"}
    ]
    world.customer_writes(ANA, "And once more")  # by the socket again: counted once
    expect(page).to_have_title("(2) " + title)
    page.wait_for_timeout(300)
    assert page.title() == "(2) " + title
    assert len(notifications(page)) == 4


def test_notification_permission_is_asked_once_on_the_first_action(
    page,
    live_url,
    world,  # noqa: F811
) -> None:
    page.add_init_script(HIDDEN_TAB)
    open_inbox(page, live_url, "agent1")
    assert page.evaluate("Notification.permission") == "default"
    assert page.evaluate("window.__permissionAsks") == 0  # not on load: browsers ignore that
    page.click("#inbox-search")
    assert page.evaluate("window.__permissionAsks") == 1
    page.keyboard.type("099")
    page.click("#start-button")
    page.click("#start-cancel")
    assert page.evaluate("window.__permissionAsks") == 1
    page.reload()
    page.wait_for_selector("#inbox[data-ready=true]")
    page.click("#inbox-search")
    assert page.evaluate("window.__permissionAsks") == 0  # a new page: still not asked again


# ------------------------------------------------------------------ 2. the login ends
def test_the_inbox_goes_to_the_login_page_when_the_login_ends(
    page,
    live_url,
    world,  # noqa: F811
    supervisor,
) -> None:
    open_inbox(page, live_url, "agent1")
    login = re.compile(re.escape(f"{live_url}/login/?next=%2Finbox%2F") + "$")

    # Logged out in another tab of the same browser.
    other = page.context.new_page()
    other.goto(f"{live_url}/")
    other.click("[data-testid=logout]")
    expect(other).to_have_url(re.compile(r"/login/"))
    expect(page).to_have_url(login)
    expect(page.locator("#id_username")).to_be_visible()
    other.close()

    # Signing in again comes back to the inbox.
    page.fill("#id_username", "agent1")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{live_url}/inbox/")
    page.wait_for_selector("body[data-live=connected]")

    # Logged out by a supervisor (monitoring's action).
    done, _message = log_out_agent(actor=supervisor, agent=world.agent1)
    assert done
    expect(page).to_have_url(login)
    expect(page.locator("#id_username")).to_be_visible()

    # The login ends while the tab is offline (a laptop asleep): the close never reaches it;
    # back online, its reconnect is refused, and that too sends it to the login page rather
    # than reconnecting forever.
    sign_in(page, live_url, "agent1")
    page.goto(f"{live_url}/inbox/")
    page.wait_for_selector("body[data-live=connected]")
    page.context.set_offline(True)
    page.evaluate("window.ccEvents.socket().close()")
    expect(page.locator("#live-status")).to_contain_text("Offline")
    end_access(world.agent1.pk, reason="test: expired while offline")
    page.context.set_offline(False)
    expect(page).to_have_url(login)
    expect(page.locator("#id_username")).to_be_visible()


# ------------------------------------------------------------------ 3. older messages
TOTAL = 130


def text_of(n: int) -> str:
    return f"Message {n:03d}"


def shown_ids(tab) -> list[int]:
    return tab.locator("#message-list [data-message-id]").evaluate_all(
        "els => els.map(e => Number(e.dataset.messageId))"
    )


def test_older_messages_load_on_scroll_without_jumping_or_doubling(
    page,
    live_url,
    world,  # noqa: F811
) -> None:
    open_inbox(page, live_url, "agent1")
    world.customer_writes(ANA, text_of(1))
    expect(row(page, ANA)).to_be_visible()
    first = Message.objects.get(text=text_of(1))
    interaction = first.interaction
    start = timezone.now() - dt.timedelta(hours=3)
    Message.objects.bulk_create(
        Message(
            interaction=interaction,
            direction="in" if n % 2 else "out",
            author="customer" if n % 2 else "agent",
            agent=None if n % 2 else world.agent1,
            delivery="" if n % 2 else "delivered",
            routing="routed" if n % 2 else "",
            provider=interaction.provider,
            number=ANA,
            did=DID,
            text=text_of(n),
            created_at=start + dt.timedelta(minutes=n),
        )
        for n in range(2, TOTAL + 1)
    )
    every = list(interaction.messages.order_by("id").values_list("id", flat=True))
    assert len(every) == TOTAL

    row(page, ANA).click()
    expect(bubbles(page, text_of(TOTAL))).to_have_count(1)
    expect(page.locator("#message-list [data-message-id]")).to_have_count(50)
    assert shown_ids(page) == every[-50:]  # the newest 50, oldest first
    box = page.locator("#message-list")
    assert box.evaluate("l => l.scrollHeight - l.scrollTop - l.clientHeight") < 2  # at the end
    expect(bubbles(page, text_of(TOTAL))).to_be_in_viewport()

    # The agent scrolls up with the wheel to the oldest message shown: the older page loads
    # above it, and what the agent was reading stays where it was.
    for expected in (100, TOTAL):
        oldest = page.locator(f'#message-list [data-message-id="{shown_ids(page)[0]}"]')
        box.hover()
        left = box.evaluate("l => l.scrollTop")
        while left > 0:  # turns of the wheel, the last one stopping at the top
            step = min(left, 600)
            page.mouse.wheel(0, -step)
            left -= step
            page.wait_for_function(
                "([left, expected]) => document.getElementById('message-list').scrollTop <= left"
                " || document.querySelectorAll('#message-list article').length >= expected",
                arg=[left, expected],
            )
        expect(page.locator("#message-list [data-message-id]")).to_have_count(expected)
        top = box.evaluate("l => l.getBoundingClientRect().top")
        at = oldest.evaluate("e => e.getBoundingClientRect().top")
        assert top <= at <= top + 20, f"the conversation jumped ({at} vs list top {top})"
        ids = shown_ids(page)
        assert ids == sorted(set(ids)) == every[-expected:]  # in order, none twice

    # On up to the first message: there is nothing older, so nothing more is asked or added.
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/messages/" in r.url else None)
    while box.evaluate("l => l.scrollTop") > 0:
        page.mouse.wheel(0, -600)
        page.wait_for_timeout(50)
    expect(bubbles(page, text_of(1))).to_be_in_viewport()
    page.wait_for_timeout(300)
    assert asked == []
    assert shown_ids(page) == every

    # A new message still lands at the end, once.
    world.customer_writes(ANA, "And one more")
    expect(bubbles(page, "And one more")).to_have_count(1)
    assert shown_ids(page)[:-1] == every


# ------------------------------------------------------------------ 4. Spanish
def test_the_inbox_in_spanish(
    page,
    live_url,
    world,  # noqa: F811
) -> None:
    BreakType.objects.create(name="Almuerzo", position=1)
    sign_in(page, live_url, "agent1")
    page.select_option("[data-testid=language]", "es")
    page.wait_for_selector("text=Cerrar sesión")
    page.goto(f"{live_url}/inbox/")
    page.wait_for_selector("#inbox[data-ready=true]")
    page.wait_for_selector("body[data-live=connected]")
    assert page.evaluate("document.documentElement.lang") == "es"

    expect(page.locator(".inbox-header h1")).to_have_text("Bandeja del agente")
    expect(page).to_have_title(re.compile(r"^Bandeja del agente"))
    expect(page.locator("label[for=state-select]")).to_have_text("Mi estado")
    expect(page.locator("#state-select option")).to_have_text(["Libre", "Pausa: Almuerzo"])
    expect(page.locator("[data-testid=agent-state]")).to_have_text("Libre")
    expect(page.locator("#inbox-search")).to_have_attribute(
        "placeholder", "Buscar campaña o número"
    )
    expect(page.locator("#start-button")).to_have_attribute("title", "Iniciar interacción (n)")
    expect(page.locator("#list-empty")).to_have_text(
        "Todavía no hay interacciones. Los clientes nuevos aparecen aquí."
    )
    expect(page.locator("#conversation-placeholder")).to_have_text(
        "Elija una interacción a la izquierda."
    )

    world.customer_writes(ANA, "Hola, ¿me ayudan?")
    expect(row(page, ANA)).to_be_visible()
    expect(unread(page, ANA)).to_have_attribute("aria-label", "1 mensaje sin leer")
    row(page, ANA).click()
    expect(page.locator("#message-list .bubble-author")).to_have_text(["Cliente"])
    expect(page.locator("#close-button")).to_have_text("Cerrar interacción")
    expect(page.locator("#send-button")).to_have_text("Enviar")
    expect(page.locator("#history-button")).to_have_attribute(
        "title", "Interacciones anteriores del cliente"
    )
    composer = page.locator("#composer-text")
    expect(composer).to_have_attribute(
        "placeholder",
        "Escriba un mensaje. Enter envía, Shift+Enter agrega una línea, / para respuestas "
        "predefinidas",
    )
    composer.fill("Hola")
    expect(page.locator("#composer-counter")).to_have_text("4 caracteres · GSM-7 · 1 segmento")
    composer.fill("")

    page.locator("#message-list").focus()
    page.keyboard.press("?")
    help_dialog = page.locator("#help-dialog")
    expect(help_dialog).to_be_visible()
    expect(help_dialog.locator("h2")).to_have_text("Atajos de teclado")
    expect(help_dialog.locator("dd")).to_have_text([
        "Esta ayuda",
        "Interacción siguiente / anterior",
        "Buscar",
        "Escribir en la interacción abierta",
        "Iniciar interacción",
        "Enviar (en el cuadro de mensaje)",
        "Nueva línea",
        "Respuestas predefinidas (en el cuadro de mensaje)",
        "Emoji (en el cuadro de mensaje)",
        "Cerrar un menú o diálogo; volver a la lista en un teléfono",
    ])  # fmt: skip
    expect(help_dialog.locator("#help-close")).to_have_text("Cerrar")
    screenshot(page, "inbox-spanish-help")
    page.keyboard.press("Escape")

    page.click("#history-button")
    expect(page.locator("#history-list")).to_have_text(
        "No hay interacciones anteriores con este cliente."
    )
    page.keyboard.press("Escape")

    page.click("#start-button")
    dialog = page.locator("#start-dialog")
    expect(dialog.locator("h2")).to_have_text("Iniciar interacción")
    expect(dialog.locator("label")).to_have_text(["Campaña", "Número del cliente", "Mensaje"])
    expect(dialog.locator("#start-cancel")).to_have_text("Cancelar")
    expect(dialog.locator("#start-submit")).to_have_text("Iniciar")
    page.click("#start-cancel")

    page.select_option("#state-select", "break:Almuerzo")
    expect(page.locator("[data-testid=agent-state]")).to_have_attribute(
        "data-state", "busy_on_break"
    )

    page.click("#close-button")
    expect(page.locator("#conversation-state")).to_have_text("Cerrada")
    expect(page.locator("#composer-closed")).to_have_text("Esta interacción está cerrada.")
    expect(row(page, ANA).locator(".row-closed")).to_have_text("cerrada")
    screenshot(page, "inbox-spanish")


# ------------------------------------------------------------------ 5. WhatsApp window
WA_DID = "+15550002222"
WA_CUSTOMER = "+59899555555"


@pytest.fixture
def whatsapp(live_url, celery_worker, supervisor, group):
    with CASES["TwilioWhatsApp"].server() as server:
        provider = provider_on(server, "TwilioWhatsApp")
        campaign = make_campaign(supervisor, name="WhatsApp", provider=provider, did=WA_DID)
        agent1 = make_user("agent1", "agent", [group])
        member(campaign, agent1, signed_in=False)
        yield provider


def customer_writes_on(provider, text: str) -> None:
    route_message(inbound(provider, WA_CUSTOMER, text, did=WA_DID).pk)


def test_a_closed_whatsapp_window_disables_the_composer_and_says_why(
    page, live_url, whatsapp
) -> None:
    open_inbox(page, live_url, "agent1")
    customer_writes_on(whatsapp, "Hola from WhatsApp")
    expect(row(page, WA_CUSTOMER)).to_be_visible()
    interaction = Interaction.objects.get(number=WA_CUSTOMER)

    # The next day: the customer wrote 25 hours ago. The agent opens the conversation.
    Interaction.objects.filter(pk=interaction.pk).update(
        last_customer_at=timezone.now() - dt.timedelta(hours=25)
    )
    page.reload()
    page.wait_for_selector("#inbox[data-ready=true]")
    row(page, WA_CUSTOMER).click()
    expect(bubbles(page, "Hola from WhatsApp")).to_have_count(1)
    reason = page.locator("#composer-closed")
    expect(reason).to_be_visible()
    expect(reason).to_contain_text("more than 24 hours ago")
    expect(reason).to_contain_text("WhatsApp")
    for control in ("#composer-text", "#send-button", "#emoji-button", "#preset-button"):
        expect(page.locator(control)).to_be_disabled()
    page.keyboard.press("r")  # the "write" shortcut does not reach a disabled composer
    expect(page.locator("#composer-text")).not_to_be_focused()
    screenshot(page, "inbox-whatsapp-window-closed")

    # The customer writes again: the window opens, the composer with it, without a reload.
    customer_writes_on(whatsapp, "Still there?")
    expect(bubbles(page, "Still there?")).to_have_count(1)
    expect(reason).to_be_hidden()
    expect(page.locator("#composer-text")).to_be_enabled()
    expect(page.locator("#send-button")).to_be_enabled()


def test_the_whatsapp_window_closes_while_the_conversation_is_open(
    page, live_url, whatsapp
) -> None:
    open_inbox(page, live_url, "agent1")
    customer_writes_on(whatsapp, "Hola from WhatsApp")
    expect(row(page, WA_CUSTOMER)).to_be_visible()
    interaction = Interaction.objects.get(number=WA_CUSTOMER)
    # The customer wrote 24 hours less 6 seconds ago; the agent has the conversation open.
    closes_at = timezone.now() + dt.timedelta(seconds=6)
    Interaction.objects.filter(pk=interaction.pk).update(
        last_customer_at=closes_at - dt.timedelta(hours=24)
    )
    page.reload()
    page.wait_for_selector("#inbox[data-ready=true]")
    row(page, WA_CUSTOMER).click()
    composer = page.locator("#composer-text")
    expect(composer).to_be_enabled()
    expect(page.locator("#composer-closed")).to_be_hidden()
    composer.fill("Typed just before the window closed")
    # The window closes: the composer says so at once, rather than refusing the send.
    expect(composer).to_be_disabled(timeout=12_000)
    assert timezone.now() >= closes_at - dt.timedelta(milliseconds=500)  # not before its time
    expect(page.locator("#composer-closed")).to_contain_text("more than 24 hours ago")
    expect(page.locator("#send-button")).to_be_disabled()
