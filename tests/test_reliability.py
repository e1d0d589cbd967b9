"""A gunicorn worker killed in the middle of requests loses no write the app acknowledged.

The short form of bench/kill_worker.py, on each database the suite runs: real gunicorn, real
SIGKILLs, members retrying like phones, then the database read directly.
"""

from __future__ import annotations

import os

from bench import kill_worker


def test_killed_workers_lose_no_acknowledged_write(backend, tmp_path):
    options = kill_worker.Options(
        sqlite=backend == "sqlite",
        members=10,
        kills=2,
        duration=6.0,
        admin_url=os.environ.get("TEST_DATABASE_URL", kill_worker.ADMIN_URL),
    )
    result = kill_worker.run(options, tmp_path)
    summary = "\n".join(result.lines)

    # Nothing acknowledged is lost or stored twice, nothing half-written, no request refused.
    assert result.problems == [], summary
    # The kills landed while the workers were serving, and cut requests off mid-flight...
    assert any(kill.serving for kill in result.kills), summary
    assert result.cut > 0, summary
    # ...and the school kept taking answers and posts afterwards.
    assert result.acked_after_last_kill > 0, summary
    for kind in ("save", "thread"):
        assert result.acked[kind] > 0, summary
