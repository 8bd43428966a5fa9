"""The Locust user the load test runs (``locust -f`` this file, started by :mod:`.runner`).

Each simulated user posts one review text to ``/predict`` at a constant rate
(``LOADTEST_RATE_PER_USER`` requests/s), so the offered load is users × rate. Texts come from
the JSON list in ``LOADTEST_TEXTS_FILE``. Any answer other than 200 counts as a failure.

This file is imported only by Locust, in its own process (Locust patches the standard library
with gevent at import), never by the course or the tests.
"""

from __future__ import annotations

import json
import os
import random

from locust import FastHttpUser, constant_throughput, task

_RATE_PER_USER = float(os.environ.get("LOADTEST_RATE_PER_USER", "1"))
_TEXTS: list[str] = json.loads(
    open(os.environ["LOADTEST_TEXTS_FILE"], encoding="utf-8").read()  # noqa: SIM115
) if "LOADTEST_TEXTS_FILE" in os.environ else ["A perfectly ordinary product."]  # fmt: skip


class PredictUser(FastHttpUser):
    wait_time = constant_throughput(_RATE_PER_USER)

    @task
    def predict(self) -> None:
        self.client.post("/predict", json={"text": random.choice(_TEXTS)}, name="/predict")
