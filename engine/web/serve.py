"""`kravkoll serve`: the application under waitress, a production WSGI server in pure Python
(no framework development server, nothing else to start)."""

from __future__ import annotations

import threading


def run(ledger, host: str, port: int, *, rulebooks=None, https: bool = False,
        proxy_user_header: str | None = None, threads: int = 8, ready=None) -> None:
    from waitress.server import create_server

    from .app import create_app
    from .context import ctx

    app = create_app(ledger, rulebooks=rulebooks, https=https,
                     proxy_user_header=proxy_user_header)
    server = create_server(app, host=host, port=port, threads=threads, ident="kravkoll",
                           url_scheme="https" if https else "http",
                           max_request_body_size=app.config["MAX_CONTENT_LENGTH"] + 65536,
                           trusted_proxy=None)
    with app.app_context():
        views = ctx()["views"]
        today = ctx()["today"]
    # the county's demands derived once before the first page asks (2–3 s for 1 200 units)
    warm = threading.Thread(target=lambda: views.units(today()), daemon=True)
    warm.start()
    if ready:
        ready(server)
    server.run()
