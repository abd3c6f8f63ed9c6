"""ASGI entry point: Django over HTTP, Channels consumers over websockets."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contactcenter.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up first)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from contactcenter.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

# Every provider SDK imported now, not by the first webhook or send (Infobip's client alone takes
# seconds to import: a provider's webhook would time out and be retried).
from providers.adapters import registry  # noqa: E402

registry()

# What is loaded now (Django, every provider SDK: about 270,000 objects) lives as long as the
# process. Frozen out of the garbage collector, a full collection scans only what requests made:
# unfrozen, each one took 0.4 to 1 s on this 2-core machine, and every request arriving
# meanwhile waited (the webhook benchmark's p99 tail).
gc.freeze()
