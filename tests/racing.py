"""Running actions at the same moment, each in its own app context and transaction."""

import threading
from collections.abc import Callable

from school.db import db


def race(app, actions: list[Callable[[], object]]) -> list[object]:
    """Run each action in its own app context at the same moment and commit it; return each
    action's result, or the exception it raised (for the test to look at)."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(index: int) -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                results[index] = actions[index]()
                db.session.commit()
        except BaseException as exc:  # reported to the test
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
