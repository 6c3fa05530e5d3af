"""The demo's second origin: a static page of "another website" embedding the external
ticket page in an iframe. ``dev.py demo`` starts it; the browser test serves it too.

    python example_site/embed/serve.py --port 8001 --site http://127.0.0.1:8000

``--site`` is the address of the helpdesk; it replaces the one written in ``index.html``.
"""

from __future__ import annotations

import argparse
import http.server
from pathlib import Path

HERE = Path(__file__).resolve().parent
SITE_IN_PAGE = "http://127.0.0.1:8000"


def make_server(site: str, port: int = 8001, host: str = "127.0.0.1"):
    """A threaded HTTP server answering ``/`` with the embedding page (nothing else)."""
    body = (HERE / "index.html").read_text().replace(SITE_IN_PAGE, site.rstrip("/")).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] not in ("/", "/index.html"):
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args) -> None:  # noqa: A002
            pass

    server = http.server.ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--site", default=SITE_IN_PAGE)
    options = parser.parse_args()
    server = make_server(options.site, options.port)
    print(f"embedding page on http://127.0.0.1:{options.port}/ (frames {options.site})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
