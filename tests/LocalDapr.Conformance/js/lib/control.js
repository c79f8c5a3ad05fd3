// The control API every conformance app exposes on its app port (APP_PORT): the C# tests drive the app through
// it, so each test reads as "ask the JavaScript SDK to do X, check what the sidecar did". Routes are
// "METHOD /path" -> async (body, query) => result; the result is sent as JSON. A thrown error answers 500 with
// { error, code, details } so a test can assert on what the SDK reported (a gRPC status code, a message).
"use strict";

const http = require("node:http");

const MAX_BODY_BYTES = 1024 * 1024;

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`control request body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res, status, value) {
  const body = JSON.stringify(value === undefined ? null : value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Serves the routes on 127.0.0.1:APP_PORT. GET /healthz answers 200 once `ready()` resolved (the SDK connected),
 * which is what the tests wait for before driving the app.
 */
async function serveControl(routes, ready) {
  // A gRPC app's APP_PORT speaks gRPC to the sidecar: the harness gives its control API a port of its own.
  const port = Number(process.env.CONTROL_PORT ?? process.env.APP_PORT);
  if (!Number.isInteger(port) || port <= 0) {
    throw new Error("APP_PORT is not set: run this app under `localdapr run -f` (or `dapr run -f`)");
  }

  let isReady = false;
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://control");
    if (req.method === "GET" && url.pathname === "/healthz") {
      send(res, isReady ? 200 : 503, { ready: isReady });
      return;
    }

    const handler = routes[`${req.method} ${url.pathname}`];
    if (!handler) {
      send(res, 404, { error: `no control route ${req.method} ${url.pathname}` });
      return;
    }

    try {
      const text = await readBody(req);
      const body = text.length > 0 ? JSON.parse(text) : {};
      send(res, 200, await handler(body, Object.fromEntries(url.searchParams)));
    } catch (err) {
      send(res, 500, { error: String(err?.message ?? err), code: err?.code ?? null, details: err?.details ?? null });
    }
  });

  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  await ready();
  isReady = true;
  console.log(`control API ready on 127.0.0.1:${port}`);

  const stop = async () => {
    server.close();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

module.exports = { serveControl };
