// The control API (same contract as control.js: GET /healthz, POST /<route> with JSON, errors as
// { error, code, details }) mounted on the Express app a @dapr/dapr DaprServer serves on APP_PORT, for apps that
// also receive calls from the sidecar (subscriptions, invocation, actors) on that port. Control routes live
// under /control/ so they never collide with the routes the SDK registers.
"use strict";

const express = require("express");
const { DaprServer, CommunicationProtocolEnum } = require("@dapr/dapr");

/** A DaprServer on APP_PORT whose Express app also serves the control API. */
function createServer() {
  const app = express();
  const server = new DaprServer({
    serverHost: "127.0.0.1",
    serverPort: process.env.APP_PORT,
    communicationProtocol: CommunicationProtocolEnum.HTTP,
    serverHttp: app,
    clientOptions: { daprHost: "127.0.0.1", daprPort: process.env.DAPR_HTTP_PORT, communicationProtocol: CommunicationProtocolEnum.HTTP },
  });
  return { app, server };
}

/** Registers the routes ("POST /x" -> async (body) => result) and starts the server; /healthz is 200 afterwards. */
async function startWithControl({ app, server }, routes, beforeStart) {
  let ready = false;
  app.get("/healthz", (req, res) => res.status(ready ? 200 : 503).json({ ready }));
  for (const [key, handler] of Object.entries(routes)) {
    const [method, path] = key.split(" ");
    app[method.toLowerCase()](path, async (req, res) => {
      try {
        res.status(200).json((await handler(req.body ?? {})) ?? null);
      } catch (err) {
        res.status(500).json({ error: String(err?.message ?? err), code: err?.code ?? null, details: err?.details ?? null });
      }
    });
  }

  if (beforeStart) await beforeStart();
  await server.start();
  ready = true;
  console.log(`control API ready on 127.0.0.1:${process.env.APP_PORT}`);
  const stop = async () => {
    await server.stop();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

/** Keeps what arrived, per key, for the tests to poll (bounded: the tests send a handful of messages). */
class Inbox {
  constructor() {
    this.items = new Map();
  }

  add(key, value) {
    const list = this.items.get(key) ?? [];
    if (list.length < 1000) list.push(value);
    this.items.set(key, list);
  }

  get(key) {
    return this.items.get(key) ?? [];
  }
}

module.exports = { createServer, startWithControl, Inbox };
