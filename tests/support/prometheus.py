"""Reading GET /metrics the way Prometheus does: the text format, parsed by prometheus_client."""

from __future__ import annotations

from collections.abc import Mapping

import requests
from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    """Every sample of a scrape, by (name, labels)."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, labels: Mapping[str, str] | None = None) -> float:
    """The sample `name` with exactly these labels; 0 when the series does not exist yet (a
    counter that was never incremented is absent)."""
    return samples.get((name, frozenset((labels or {}).items())), 0.0)


def scrape(base_url: str, token: str | None) -> Samples:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.get(base_url + "/metrics", headers=headers, timeout=30)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return parse(response.text)
