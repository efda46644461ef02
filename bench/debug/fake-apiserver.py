#!/usr/bin/env python3
"""A minimal Kubernetes API server for timing `debug` requests: discovery, GET pod, PATCH ephemeralcontainers.
Usage: fake-apiserver.py PORT. Answers JSON only (kubectl and kscope both accept it)."""
import json, sys, threading
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

LOCK = threading.Lock()
POD = {"apiVersion": "v1", "kind": "Pod",
       "metadata": {"name": "web", "namespace": "shop", "uid": "1", "resourceVersion": "1", "labels": {"app": "web"}},
       "spec": {"containers": [{"name": "app", "image": "shop/web:1.2"}], "ephemeralContainers": []},
       "status": {"phase": "Running"}}
DISCOVERY = {
    "/api": {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "localhost"}]},
    "/apis": {"kind": "APIGroupList", "apiVersion": "v1", "groups": []},
    "/api/v1": {"kind": "APIResourceList", "groupVersion": "v1", "resources": [
        {"name": "pods", "singularName": "pod", "namespaced": True, "kind": "Pod", "verbs": ["get", "patch"], "shortNames": ["po"]},
        {"name": "pods/ephemeralcontainers", "singularName": "", "namespaced": True, "kind": "Pod", "verbs": ["get", "patch"]}]},
    "/version": {"major": "1", "minor": "34", "gitVersion": "v1.34.0"},
}

class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path in DISCOVERY:
            return self.reply(200, DISCOVERY[path])
        if path == "/api/v1/namespaces/shop/pods/web":
            with LOCK:
                return self.reply(200, POD)
        self.reply(404, {"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404, "message": "not found", "details": {"name": path}})

    def do_PATCH(self):
        path = self.path.split("?")[0]
        patch = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if path != "/api/v1/namespaces/shop/pods/web/ephemeralcontainers":
            return self.reply(404, {"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404, "message": "not found"})
        with LOCK:
            POD["spec"]["ephemeralContainers"].extend(patch["spec"]["ephemeralContainers"])
            return self.reply(200, POD)

ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
