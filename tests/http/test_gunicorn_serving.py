"""How gunicorn serves the app (fasttrack/gunicorn_conf.py), checked on the real service: several
instances on one host do not share anything of gunicorn's own.
"""

from __future__ import annotations

import requests
from service_process import ServiceProcess


def test_two_instances_started_at_once_both_serve_and_leave_no_control_socket(
    database_url, tmp_path
):
    # gunicorn's default control socket is one path per user ($XDG_RUNTIME_DIR or ~/.gunicorn):
    # point both at this test's directory to see whether either creates it there.
    home = tmp_path / "home"
    home.mkdir()
    shared = {"HOME": str(home), "XDG_RUNTIME_DIR": str(home)}
    services = [
        ServiceProcess(database_url, tmp_path / name, workers=1, overrides=shared)
        for name in ("one", "two")
    ]
    try:
        for service in services:
            service.log_dir.mkdir()
            service.start()
        for service in services:
            assert requests.get(service.base_url + "/health", timeout=5).status_code == 200
        assert sorted(path.name for path in home.rglob("*")) == []
    finally:
        for service in services:
            service.stop()
