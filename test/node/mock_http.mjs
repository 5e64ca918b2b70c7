// HTTP helpers for the mock upstreams of the node client tests (test/node, test/agents).
import http from 'node:http';

export function listen(handler) {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => handler(req, body, res));
    });
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` }));
  });
}

export function json(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

// Writes SSE text in small pieces, cut anywhere, as a real network would.
export async function sse(res, text, piece = 9) {
  res.writeHead(200, { 'Content-Type': 'text/event-stream' });
  for (let i = 0; i < text.length; i += piece) {
    res.write(text.slice(i, i + piece));
    await new Promise((r) => setTimeout(r, 1));
  }
  res.end();
}
