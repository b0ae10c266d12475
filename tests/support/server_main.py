"""Entry point of test server processes: the real `icct26 serve` command, plus the probe routes.

Run as `python -m tests.support.server_main serve --host 127.0.0.1 --port N` with the repository on
PYTHONPATH. `icct26 serve` builds the app in this same process (one worker), so the probes installed
here are part of it.
"""

from __future__ import annotations

from tests.support.probe_routes import install_probe_routes

if __name__ == "__main__":
    install_probe_routes()
    from icct26.cli import main

    main()
