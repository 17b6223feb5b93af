"""Run the Bolt app: over HTTP with a threaded WSGI server, or over Socket Mode."""

from __future__ import annotations

import logging
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """wsgiref's server with one thread per request, so a slow request blocks no other."""

    daemon_threads = True
    # With socketserver's default listen backlog of 5, the kernel reset connections
    # when 20 clients posted events at once (tests/reliability/test_rel_load.py).
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        logger.debug("http %s", format % args)


def make_http_server(app: App, *, host: str, port: int) -> ThreadingWSGIServer:
    """Build (but do not start) an HTTP server for events, commands and interactivity.

    Everything Slack sends goes to ``/slack/events``; Bolt checks the request
    signature and answers 401 when it is missing, wrong or older than five minutes.
    """
    handler = SlackRequestHandler(app, path=EVENTS_PATH)
    server = make_server(
        host,
        port,
        handler,
        server_class=ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    return server


def serve_http(app: App, *, host: str, port: int) -> None:
    server = make_http_server(app, host=host, port=port)
    bound_host, bound_port = server.server_address[:2]
    logger.info("serving Slack events on http://%s:%s%s", bound_host, bound_port, EVENTS_PATH)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        logger.info("HTTP server stopped")


def serve_socket_mode(app: App, app_token: str) -> None:
    logger.info("connecting to Slack over Socket Mode")
    handler = SocketModeHandler(app, app_token=app_token)
    try:
        handler.start()
    finally:
        handler.close()
        logger.info("Socket Mode connection closed")
