import pytest

from providers.ports import parse_ports


@pytest.mark.parametrize(
    ("text", "ports"),
    [
        ("0-3", [0, 1, 2, 3]),
        ("0.3", [0, 1, 2, 3]),
        ("0,2,5", [0, 2, 5]),
        ("7", [7]),
        ("1-2,5", [1, 2, 5]),
    ],
)
def test_ranges_and_lists(text, ports):
    assert parse_ports(text) == ports


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "at least one port"),
        ("3-1", "backwards"),
        ("a", "not a port number"),
        ("40", "out of range"),
    ],
)
def test_bad_port_strings(text, error):
    with pytest.raises(ValueError, match=error):
        parse_ports(text)
