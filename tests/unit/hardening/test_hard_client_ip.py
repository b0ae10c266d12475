"""Client address resolution behind proxies (FORWARDED_ALLOW_IPS)."""

from __future__ import annotations

import pytest

from icct26.adapters.http.middleware.client_ip import TrustedProxies, parse_ip, resolve_client_ip
from icct26.config import ConfigError, load_settings

PROXIES = TrustedProxies(["10.0.0.0/8", "127.0.0.1", "fd00::/8"])


def test_untrusted_peer_is_the_client_whatever_it_forwards() -> None:
    assert resolve_client_ip("203.0.113.9", ["1.2.3.4"], PROXIES) == "203.0.113.9"
    assert resolve_client_ip("203.0.113.9", [], TrustedProxies([])) == "203.0.113.9"


def test_trusted_peer_yields_the_right_most_untrusted_address() -> None:
    # client-forged, real client, then our two proxies
    chain = ["6.6.6.6, 198.51.100.7, 10.1.2.3"]
    assert resolve_client_ip("127.0.0.1", chain, PROXIES) == "198.51.100.7"


def test_several_forwarded_headers_are_one_chain() -> None:
    assert resolve_client_ip("10.0.0.1", ["6.6.6.6", "198.51.100.7"], PROXIES) == "198.51.100.7"


def test_only_proxies_in_the_chain_means_the_left_most_one() -> None:
    assert resolve_client_ip("10.0.0.1", ["10.0.0.5, 10.0.0.6"], PROXIES) == "10.0.0.5"


def test_trusted_peer_without_header_is_the_client() -> None:
    assert resolve_client_ip("10.0.0.1", [], PROXIES) == "10.0.0.1"


def test_garbage_in_the_chain_stops_at_the_last_trusted_hop() -> None:
    assert resolve_client_ip("10.0.0.1", ["198.51.100.7, unknown, 10.0.0.9"], PROXIES) == "10.0.0.9"


def test_ipv6_ports_and_brackets_are_understood() -> None:
    assert parse_ip("[2001:db8::1]:443") is not None
    assert str(parse_ip("198.51.100.7:5555")) == "198.51.100.7"
    assert resolve_client_ip("fd00::1", ["2001:db8::7"], PROXIES) == "2001:db8::7"
    assert PROXIES.trusts(parse_ip("::ffff:10.1.1.1"))


def test_star_trusts_every_peer() -> None:
    assert resolve_client_ip("203.0.113.9", ["198.51.100.7"], TrustedProxies(["*"])) == "198.51.100.7"


def test_a_bad_proxy_entry_stops_startup_naming_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"^FORWARDED_ALLOW_IPS"):
        load_settings({"FORWARDED_ALLOW_IPS": "10.0.0.0/8, proxy.internal"}, env_file=None)
    assert load_settings({"FORWARDED_ALLOW_IPS": "10.0.0.0/8, ::1, *"}, env_file=None).trusted_proxies
