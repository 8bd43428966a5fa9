"""The Locust user the load test runs (``locust -f`` this file, started by :mod:`.runner`).

Each simulated user posts one review text to ``/predict`` on a Poisson schedule of
``LOADTEST_RATE_PER_USER`` requests/s (exponential gaps, each user starting at a random
moment), so the offered load is users × rate with the bursts independent users really make.
Users that all fire on the same tick (Locust's ``constant_throughput`` after a simultaneous
spawn) would queue behind each other and understate what a replica can take. A user whose
answer comes late fires its next request at once: the schedule never drifts. Texts come from
the JSON list in ``LOADTEST_TEXTS_FILE``. Any answer other than 200 counts as a failure.

This file is imported only by Locust, in its own process (Locust patches the standard library
with gevent at import), never by the course or the tests.
"""

from __future__ import annotations

import json
import os
import random
import time

from locust import FastHttpUser, task

_RATE_PER_USER = float(os.environ.get("LOADTEST_RATE_PER_USER", "1"))
_TEXTS: list[str] = json.loads(
    open(os.environ["LOADTEST_TEXTS_FILE"], encoding="utf-8").read()  # noqa: SIM115
) if "LOADTEST_TEXTS_FILE" in os.environ else ["A perfectly ordinary product."]  # fmt: skip


class PredictUser(FastHttpUser):
    def on_start(self) -> None:
        self._next_s = time.monotonic() + random.expovariate(_RATE_PER_USER)
        time.sleep(max(0.0, self._next_s - time.monotonic()))  # gevent-patched: yields

    def wait_time(self) -> float:
        self._next_s += random.expovariate(_RATE_PER_USER)
        return max(0.0, self._next_s - time.monotonic())

    @task
    def predict(self) -> None:
        self.client.post("/predict", json={"text": random.choice(_TEXTS)}, name="/predict")
