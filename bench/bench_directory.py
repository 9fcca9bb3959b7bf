"""Benchmark: `!directory peers <query>` over 10,000 cached Vietnamese contacts.

Runs the real command body of the ZalouserDirectory plugin (argument parsing, admin check, the
search through a real DirectoryCache, the table formatting) against a stand-in service, and counts
the fetches (stand-ins for `zca friend list` calls).

    python -m bench directory

``run()`` returns the figures as a dict so a bench runner can merge them into bench/results.json.
"""

from __future__ import annotations

import importlib.util
import random
import statistics
import time
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

from errbot_zalouser.model import ZaloUser
from errbot_zalouser.service.api import SearchResult
from errbot_zalouser.service.directory import DirectoryCache

CONTACTS = 10_000
QUERIES = 100
ADMIN = "zalouser:111"
PLUGIN_FILE = Path(__file__).resolve().parents[1] / "plugins" / "zalouser_directory" / "zalouser_directory.py"

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
          "Hồ", "Ngô", "Dương", "Lý", "Đào", "Đinh", "Trịnh", "Lương"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quang", "Thu", "Xuân", "Kim", "Bảo", ""]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Đào", "Giang", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Hương",
         "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Ngân", "Nhung", "Phúc", "Phương", "Quân",
         "Sơn", "Tâm", "Thảo", "Trang", "Trung", "Tuấn", "Vy", "Yến", "Đạt", "Ánh", "Ưng"]
QUERY_WORDS = ["nguyen", "Nguyễn", "tran", "dao", "Đào", "dang", "ĐẶNG", "huong", "Hương", "phuc",
               "thi lan", "van an", "ngoc anh", "minh", "le", "ung", "duc", "yen", "bao ngan", "hai"]


def contacts(count: int = CONTACTS, seed: int = 7) -> list[ZaloUser]:
    """Synthetic friends with Vietnamese names, Zalo-style ids and phone numbers."""
    rng = random.Random(seed)
    users = []
    for i in range(count):
        parts = [rng.choice(FAMILY), rng.choice(MIDDLE), rng.choice(GIVEN)]
        name = " ".join(p for p in parts if p)
        zalo_name = name if rng.random() < 0.7 else f"{parts[-1]} {parts[0]}"
        phone = f"849{rng.randrange(10_000_000, 99_999_999)}" if rng.random() < 0.6 else ""
        users.append(ZaloUser(str(7_000_000_000_000_000 + i * 7919), name, zalo_name, phone=phone))
    return users


def queries(users: list[ZaloUser], count: int = QUERIES, seed: int = 11) -> list[str]:
    """A mix: common and rare names with and without accents, partial words, ids and phones."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        kind = i % 5
        if kind == 3:
            out.append(rng.choice(users).user_id[-6:])
        elif kind == 4:
            phones = [u.phone for u in users if u.phone]
            out.append("0" + rng.choice(phones)[2:8])
        else:
            out.append(rng.choice(QUERY_WORDS))
    return out


class BenchApi:
    """The part of ZalouserApi the command uses, over a real DirectoryCache."""

    default_account = "default"

    def __init__(self, cache: DirectoryCache) -> None:
        self.cache = cache

    def account_ids(self) -> list[str]:
        return [self.default_account]

    def search_peers(self, query: str, *, account: str | None = None, limit: int = 20,
                     refresh: bool = False) -> SearchResult[ZaloUser]:
        return self.cache.peers(query, limit, refresh=refresh)


def load_plugin_module() -> ModuleType:
    """Load the plugin file the way errbot does (by path)."""
    spec = importlib.util.spec_from_file_location("bench_zalouser_directory", PLUGIN_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_plugin(api: BenchApi) -> Any:
    """A ZalouserDirectory instance on a stub bot (no errbot machinery runs)."""
    module = load_plugin_module()
    bot = SimpleNamespace(
        bot_config=SimpleNamespace(BOT_ADMINS=(ADMIN,), BOT_PREFIX="!"),
        repo_manager=SimpleNamespace(plugin_dir=str(PLUGIN_FILE.parent)),
        zalouser=api,
    )
    plugin = module.ZalouserDirectory(bot, name="ZalouserDirectory")
    plugin.configure(None)
    return plugin


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run(contact_count: int = CONTACTS, query_count: int = QUERIES) -> dict[str, Any]:
    """Fill the cache once, time ``query_count`` command bodies, return the figures."""
    users = contacts(contact_count)
    fetches = {"friends": 0}

    def fetch_friends() -> list[ZaloUser]:
        fetches["friends"] += 1
        return list(users)

    def unused(*_args: Any) -> Any:
        raise AssertionError("not used by !directory peers")

    cache = DirectoryCache(fetch_friends, unused, unused, unused, ttl=3600)
    plugin = make_plugin(BenchApi(cache))
    msg = SimpleNamespace(frm=SimpleNamespace(aclattr=ADMIN))

    started = time.perf_counter()
    cache.peers("", 1)
    fill_ms = (time.perf_counter() - started) * 1000
    fetches_after_fill = fetches["friends"]

    times, replies = [], []
    for query in queries(users, query_count):
        started = time.perf_counter()
        reply = plugin.directory_peers(msg, query)
        times.append((time.perf_counter() - started) * 1000)
        replies.append(reply)
    if not all(r.startswith(("Peers", "No peers")) for r in replies):
        raise RuntimeError(f"unexpected reply: {next(r for r in replies if not r.startswith('Peers'))[:200]}")

    return {
        "directory_contacts": contact_count,
        "directory_queries": query_count,
        "directory_fill_and_index_ms": round(fill_ms, 2),
        "directory_peers_median_ms": round(statistics.median(times), 3),
        "directory_peers_p90_ms": round(percentile(times, 0.9), 3),
        "directory_peers_max_ms": round(max(times), 3),
        "directory_zca_calls_total": fetches["friends"],
        "directory_zca_calls_during_queries": fetches["friends"] - fetches_after_fill,
    }


def summary(figures: dict[str, Any]) -> str:
    return (
        f"directory: !directory peers over {figures.get('directory_contacts')} cached contacts: median "
        f"{figures.get('directory_peers_median_ms')} ms, p90 {figures.get('directory_peers_p90_ms')} ms; "
        f"{figures.get('directory_zca_calls_during_queries')} zca calls during "
        f"{figures.get('directory_queries')} queries"
    )
