from __future__ import annotations

from tests.fakeprovider.server import RecordedRequest, Reply


class SMSMasivoDialect:
    """SMS Masivos' enviar_sms.asp with respuestanumerica=1: 'code;text' in ISO-8859-1."""

    name = "smsmasivo"

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user, password

    def matches(self, request: RecordedRequest) -> bool:
        return request.path == "/enviar_sms.asp"

    def answer(self, request: RecordedRequest, server: object) -> Reply:
        q = {k: v[0] for k, v in request.query.items()}
        if (q.get("usuario"), q.get("clave")) != (self.user, self.password):
            return Reply(200, "-99;Usuario o clave incorrectos".encode("iso-8859-1"),
                         {"Content-Type": "text/plain; charset=iso-8859-1"})  # fmt: skip
        if not q.get("tos", "").isdigit() or len(q["tos"]) != 10:
            return Reply(200, "-7;Longitud de número inválida".encode("iso-8859-1"),
                         {"Content-Type": "text/plain; charset=iso-8859-1"})  # fmt: skip
        return Reply(200, "0;Mensaje enviado".encode("iso-8859-1"),
                     {"Content-Type": "text/plain; charset=iso-8859-1"})  # fmt: skip
