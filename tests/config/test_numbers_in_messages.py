"""Numbers in configuration errors read as they are written in config.py (no 2.592e+06)."""

from __future__ import annotations

import pytest

from errbot_zalouser.config import parse_channel_block
from errbot_zalouser.config.readers import plain
from errbot_zalouser.errors import ConfigError


@pytest.mark.parametrize(("number", "text"), [
    (2592000, "2592000"), (2592000.0, "2592000"), (0.5, "0.5"), (0.05, "0.05"), (1e-06, "0.000001"),
    (3600, "3600"), (0, "0"), (10**9, "1000000000"),
])
def test_plain(number, text):
    assert plain(number) == text


def test_an_out_of_range_ttl_names_the_range_in_plain_digits():
    with pytest.raises(ConfigError) as caught:
        parse_channel_block({"pairing": {"ttlSeconds": 10**9}}, zca="zca", env={})
    assert "e+" not in str(caught.value)
    assert "at most 2592000" in str(caught.value)


def test_other_messages_keep_plain_numbers_too():
    with pytest.raises(ConfigError) as caught:
        parse_channel_block({"outbound": {"retryBaseSeconds": 0.000001, "retryMaxSeconds": 0.0000005}},
                            zca="zca", env={})
    assert "0.0000005 is smaller than retryBaseSeconds (0.000001)" in str(caught.value)
