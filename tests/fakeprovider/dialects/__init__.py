"""One dialect per provider wire format. Each answers like the real API (ids, error bodies, status
codes) and builds the webhooks the real provider would post back, signed the same way."""

from tests.fakeprovider.dialects.cm import CMDialect
from tests.fakeprovider.dialects.dinstar import DinstarDialect
from tests.fakeprovider.dialects.infobip import InfobipDialect
from tests.fakeprovider.dialects.smsmasivo import SMSMasivoDialect
from tests.fakeprovider.dialects.twilio import TwilioDialect
from tests.fakeprovider.dialects.vonage import VonageDialect
from tests.fakeprovider.dialects.whatsapp import WhatsAppCloudDialect

__all__ = ["CMDialect", "DinstarDialect", "InfobipDialect", "SMSMasivoDialect", "TwilioDialect",
           "VonageDialect", "WhatsAppCloudDialect"]  # fmt: skip
