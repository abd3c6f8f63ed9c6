import redis

from contactcenter.embedded_redis import PrivateRedis, redis_server_binary


def test_private_redis_starts_answers_and_stops(tmp_path):
    server = PrivateRedis(tmp_path / "redis.sock").start()
    client = redis.Redis.from_url(server.url)
    assert client.ping()
    client.set("k", "v")
    assert client.get("k") == b"v"
    server.stop()
    assert not (tmp_path / "redis.sock").exists()


def test_bundled_binary_is_found():
    assert redis_server_binary().endswith("redis-server")
