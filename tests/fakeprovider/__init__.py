"""A real HTTP server on 127.0.0.1 that plays an SMS provider in tests and benchmarks."""

from tests.fakeprovider.server import Behaviour, FakeProviderServer, RecordedRequest, Reply

__all__ = ["Behaviour", "FakeProviderServer", "RecordedRequest", "Reply"]
