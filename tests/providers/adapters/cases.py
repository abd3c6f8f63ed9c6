"""For each api_type: a working configuration against the fake server, and a broken one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from providers.adapters import adapter_class
from providers.adapters.base import Adapter, ProviderConfig
from tests.fakeprovider import FakeProviderServer
from tests.fakeprovider.dialects import (
    CMDialect,
    DinstarDialect,
    InfobipDialect,
    SMSMasivoDialect,
    TwilioDialect,
    VonageDialect,
    WhatsAppCloudDialect,
)
from tests.fakeprovider.dialects.urlgateway import URLGatewayDialect

SID, TOKEN = "AC" + "1" * 32, "twilio-token"


@dataclass
class Case:
    api_type: str
    dialects: Callable[[], list]
    config: Callable[[str], ProviderConfig]  # from the fake server's URL
    bad_credentials: Callable[[ProviderConfig], ProviderConfig]
    destination: str = "+59899123456"
    tls: bool = False

    def server(self) -> FakeProviderServer:
        return FakeProviderServer(dialects=self.dialects(), tls=self.tls)

    def adapter(self, config: ProviderConfig) -> Adapter:
        return adapter_class(self.api_type)(config)


def wrong_password(config: ProviderConfig) -> ProviderConfig:
    return replace(config, password="wrong")


CASES = {
    "Twilio": Case("Twilio", lambda: [TwilioDialect(SID, TOKEN)],
                   lambda url: ProviderConfig("Twilio", endpoint=url, username=SID,
                                              password=TOKEN, sender="+15550001111"),
                   wrong_password),
    "TwilioWhatsApp": Case("TwilioWhatsApp", lambda: [TwilioDialect(SID, TOKEN)],
                           lambda url: ProviderConfig("TwilioWhatsApp", endpoint=url,
                                                      username=SID, password=TOKEN,
                                                      sender="+15550001111"),
                           wrong_password),
    "Nexmo": Case("Nexmo", lambda: [VonageDialect("key1", "secret1")],
                  lambda url: ProviderConfig("Nexmo", endpoint=url, username="key1",
                                             password="secret1", sender="Acme"),
                  wrong_password, tls=True),
    "InfoBip": Case("InfoBip", lambda: [InfobipDialect("ib-key")],
                    lambda url: ProviderConfig("InfoBip", endpoint=url, password="ib-key",
                                               sender="Acme"),
                    wrong_password),
    "CMG": Case("CMG", lambda: [CMDialect("cm-token")],
                lambda url: ProviderConfig("CMG", endpoint=url + "/v1.0/message",
                                           password="cm-token", sender="Acme"),
                wrong_password),
    "DinstarWeb": Case("DinstarWeb", lambda: [DinstarDialect("admin", "gw-pass")],
                       lambda url: ProviderConfig("DinstarWeb", endpoint=url, username="admin",
                                                  password="gw-pass", ports="0-3"),
                       wrong_password, destination="099123456"),
    "SMSMasivo": Case("SMSMasivo", lambda: [SMSMasivoDialect("acme", "sm-pass")],
                      lambda url: ProviderConfig("SMSMasivo", endpoint=url + "/enviar_sms.asp",
                                                 username="acme", password="sm-pass"),
                      wrong_password, destination="1155556666"),
    "WhatsAppCloud": Case("WhatsAppCloud", lambda: [WhatsAppCloudDialect("wa-token")],
                          lambda url: ProviderConfig("WhatsAppCloud", endpoint=url,
                                                     password="wa-token",
                                                     settings={"phone_number_id": "PN1",
                                                               "api_version": "v21.0"}),
                          wrong_password),
    "URLSMS": Case("URLSMS", lambda: [URLGatewayDialect()],
                   lambda url: ProviderConfig("URLSMS", endpoint=url + "/send?to={destination}&text={message}&from={sender}&id={id}",
                                              sender="Acme", settings={"success_pattern": "^OK", "id_pattern": r"id=(\S+)"}),
                   lambda c: replace(c, endpoint=c.endpoint.replace("/send", "/missing"))),
    "URLSMSAuth": Case("URLSMSAuth", lambda: [URLGatewayDialect(user="u", password="p")],
                       lambda url: ProviderConfig("URLSMSAuth", endpoint=url + "/send?to={destination}&text={message}",
                                                  username="u", password="p"),
                       wrong_password),
    "URLPOSTSMS": Case("URLPOSTSMS", lambda: [URLGatewayDialect()],
                       lambda url: ProviderConfig("URLPOSTSMS", endpoint=url + "/send",
                                                  settings={"body_template": '{"to": "{destination}", "text": "{message}"}',
                                                            "content_type": "json"}),
                       lambda c: replace(c, endpoint=c.endpoint.replace("/send", "/missing"))),
    "URLPOSTSMSAuth": Case("URLPOSTSMSAuth", lambda: [URLGatewayDialect(user="u", password="p")],
                           lambda url: ProviderConfig("URLPOSTSMSAuth", endpoint=url + "/send",
                                                      username="u", password="p",
                                                      settings={"body_template": "to={destination}&msg={message}",
                                                                "content_type": "form"}),
                           wrong_password),
    "Quality": Case("Quality", lambda: [URLGatewayDialect()],
                    lambda url: ProviderConfig("Quality", endpoint=url + "/qsend?user={username}&pass={password}&num={destination}&sms={message}",
                                               username="q", password="qp"),
                    lambda c: replace(c, endpoint=c.endpoint.replace("/qsend", "/missing"))),
}  # fmt: skip
