"""A chat-completions server on 127.0.0.1 for the LLM tools' tests.

It answers like a well-behaved model (each class's neighbours = the next two classes of
the offered list), after playing the scripted faults first: 'malformed' (prose, no JSON),
'429', '500', 'outside' (names and keys not in the list, the key itself).
"""
import json
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeLLM:

    def __init__(self, faults=(), on_request=None, answer=None, raw=None):
        self.faults = list(faults)
        self.requests = []  # batch names of every completion request served or failed
        self.on_request = on_request
        self.answer = answer or self.default_answer
        self.raw = raw  # raw(messages) -> answer dict, for prompts other than the cue one
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers['Content-Length'])))
                status, payload, headers = server.respond(self.path, body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = f'http://127.0.0.1:{self.httpd.server_address[1]}/v1'
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    @staticmethod
    def parse(body):
        text = body['messages'][-1]['content']
        lists = re.findall(r'(\[.*?\])\n|(\[.*?\])$', text, re.S)
        arrays = [json.loads(a or b) for a, b in lists]
        candidates = json.loads(re.search(r'Class list: (\[.*?\])\n', text, re.S).group(1))
        batch = json.loads(re.search(r'For each of these classes: (\[.*?\])\n', text,
                                     re.S).group(1))
        return candidates, batch, arrays

    @staticmethod
    def default_answer(candidates, batch):
        out = {}
        for name in batch:
            i = candidates.index(name) if name in candidates else 0
            out[name] = [candidates[(i + 1) % len(candidates)],
                         candidates[(i + 2) % len(candidates)]]
        return out

    def respond(self, path, body):
        if path != '/v1/chat/completions':
            return 404, {'error': {'message': 'not found'}}, {}
        if self.raw is not None:
            with self.lock:
                self.requests.append(body['messages'][-1]['content'])
                fault = self.faults.pop(0) if self.faults else None
                n = len(self.requests)
            content = 'not json' if fault == 'malformed' else json.dumps(
                self.raw(body['messages']))
            return 200, self._completion(body, content, n), {}
        try:
            candidates, batch, _ = self.parse(body)
        except (AttributeError, ValueError):
            return 400, {'error': {'message': 'unexpected prompt'}}, {}
        with self.lock:
            self.requests.append(tuple(batch))
            fault = self.faults.pop(0) if self.faults else None
            n = len(self.requests)
        if self.on_request is not None:
            self.on_request(n)
        if fault == '429':
            return 429, {'error': {'message': 'rate limited', 'type': 'rate_limit'}}, \
                {'retry-after': '0'}
        if fault == '500':
            return 500, {'error': {'message': 'boom'}}, {}
        if fault == 'malformed':
            content = 'Sure! Here are the related classes: apple, pear'
        elif fault == 'outside':
            ans = self.answer(candidates, batch)
            ans['not a class at all'] = [batch[0]]
            ans[batch[0]] = ans[batch[0]] + ['unicorn', batch[0]]
            content = '```json\n' + json.dumps(ans) + '\n```'
        else:
            content = json.dumps(self.answer(candidates, batch))
        return 200, self._completion(body, content, n), {}

    @staticmethod
    def _completion(body, content, n):
        return {
            'id': f'chatcmpl-{n}', 'object': 'chat.completion', 'created': 0,
            'model': body['model'],
            'choices': [{'index': 0, 'finish_reason': 'stop',
                         'message': {'role': 'assistant', 'content': content}}],
            'usage': {'prompt_tokens': len(json.dumps(body)) // 4,
                      'completion_tokens': len(content) // 4,
                      'total_tokens': len(json.dumps(body)) // 4 + len(content) // 4},
        }


class SilentServer:
    """A TCP server on 127.0.0.1 that accepts connections and never answers."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.url = f'http://127.0.0.1:{self.sock.getsockname()[1]}/v1'
        self.connections = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.connections.append(conn)  # held open, never read nor answered

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        for conn in self.connections:
            conn.close()
        self.sock.close()
