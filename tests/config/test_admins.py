"""config/admins.py: the Zalo ids BOT_ADMINS names, and the example id refused."""

from __future__ import annotations

import pytest

from errbot_zalouser.config.admins import EXAMPLE_ADMIN_ID, admin_user_ids, check_admins
from errbot_zalouser.errors import ConfigError


@pytest.mark.parametrize(("admins", "expected"), [
    (("zalouser:123",), {"123"}),
    ("zalouser:123", {"123"}),
    (("zlu:123", "456", "zalouser:group:789", "zalouser:group:789/5"), {"123", "456"}),
    (("zalouser:12*", "@someone", "", "zalouser:?"), set()),
    ((), set()),
    (None, set()),
])
def test_admin_user_ids(admins, expected):
    assert admin_user_ids(admins) == expected


@pytest.mark.parametrize("admins", [(f"zalouser:{EXAMPLE_ADMIN_ID}",), ("zalouser:5", EXAMPLE_ADMIN_ID)])
def test_the_example_id_stops_the_start(admins):
    with pytest.raises(ConfigError, match=r"BOT_ADMINS: still holds the example id .*your own Zalo user id"):
        check_admins(admins)


def test_no_zalo_admin_is_a_warning_not_a_refusal():
    assert check_admins(("zalouser:42",)) == []
    [warning] = check_admins(("@someone",))
    assert "names no Zalo user (@someone)" in warning and "pairing approve" in warning
