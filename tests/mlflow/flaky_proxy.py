"""An HTTP proxy in front of an MLflow server that answers its first FAILURES requests with
503 (a server that is up but failing for a moment), and passes every later one on.

    /usr/bin/python3 tests/mlflow/flaky_proxy.py TARGET_URI FAILURES PORT_FILE

It listens on 127.0.0.1, on a free port it writes to PORT_FILE once it listens, until killed.
"""
import http.server
import os
import sys
import threading
import urllib.error
import urllib.request

target, failures, port_file = sys.argv[1].rstrip("/"), int(sys.argv[2]), sys.argv[3]
lock = threading.Lock()
seen = 0


class Relay(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def relay(self):
        global seen
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with lock:
            seen += 1
            failing = seen <= failures
        if failing:
            self.answer(503, b'{"error_code": "TEMPORARILY_UNAVAILABLE", "message": "flaky proxy"}')
            return
        request = urllib.request.Request(target + self.path, data=body if body else None, method=self.command)
        for name in ("Content-Type", "Authorization"):
            if self.headers.get(name):
                request.add_header(name, self.headers[name])
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                self.answer(response.status, response.read(), response.headers.get("Content-Type"))
        except urllib.error.HTTPError as error:
            self.answer(error.code, error.read(), error.headers.get("Content-Type"))

    def answer(self, status, body, content_type=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type or "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = relay

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Relay)
with open(port_file + ".tmp", "w") as out:
    out.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
