"""URL API presets: gateways whose URL is fixed and whose parameters are known."""

from __future__ import annotations

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from providers.adapters.base import FieldSpec, OutgoingSMS, SendError, SendResult
from providers.adapters.urlapi import URLSMS, url_escape

SMSMASIVO_URL = "https://servicio.smsmasivos.com.ar/enviar_sms.asp"
# SMS Masivos answers every refusal with a negative code (landline, unsubscribed, bad number,
# spam, too many failures, -99 other...): none is documented as passing with a plain retry, so
# they are permanent; throttling and outages show as HTTP 429/5xx or timeouts, which are not.


class SMSMasivo(URLSMS):
    """SMS Masivos (Argentina) ``enviar_sms.asp`` URL GET API, numeric answers."""

    api_type = "SMSMasivo"
    label = gettext_lazy("SMS Masivos (URL GET)")
    uses_ports = False
    fields = (
        FieldSpec("username", gettext_lazy("User"), required=True),
        FieldSpec("password", gettext_lazy("Password"), required=True, secret=True),
        FieldSpec(
            "endpoint",
            gettext_lazy("URL"),
            help=format_lazy(gettext_lazy("Empty for {url}."), url=SMSMASIVO_URL),
        ),
    )

    @classmethod
    def validate(cls, config: object) -> dict[str, str]:
        return {}

    def deliver(self, message: OutgoingSMS) -> SendResult:
        reference = message.reference.replace("-", "")[:50]
        params = {
            "api": "1",
            "usuario": self.config.username,
            "clave": self.config.password,
            "tos": message.destination,
            "texto": message.text,
            "idinterno": reference,
            "respuestanumerica": "1",
        }
        query = "&".join(f"{k}={url_escape(v)}" for k, v in params.items())
        response = self.http("GET", f"{self.config.endpoint or SMSMASIVO_URL}?{query}")
        if not response.ok:
            raise self.http_failure(response)
        # The API answers in ISO-8859-1, usually without saying so.
        charset = (
            response.charset
            if "charset" in response.headers.get("content-type", "")
            else "iso-8859-1"
        )
        reply = response.content.decode(charset, errors="replace").strip()
        code, _, text = reply.partition(";")
        if code not in ("0", "1"):  # 1 = accepted in test mode
            raise SendError(text or reply[:300], permanent=True, code=code)
        return SendResult(reference, status="accepted", raw=reply)


class Quality(URLSMS):
    """Quality Telecom: a URL GET API whose URL template the carrier hands out with the account.

    No public documentation of it could be found, so the template is configured like URLSMS; the
    dial string does not apply (the carrier picks the route).
    """

    api_type = "Quality"
    label = "Quality Telecom (URL GET)"
    uses_ports = False
    fields = tuple(f for f in URLSMS.fields if f.name != "ports")
