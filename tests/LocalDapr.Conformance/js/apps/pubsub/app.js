// Pub/sub through @dapr/dapr: DaprClient publishes (single and bulk, CloudEvent and raw), DaprServer subscribes
// (default route, CEL routing rules, rawPayload, a dead-letter topic). A middleware keeps every envelope exactly
// as the sidecar delivered it, so tests/LocalDapr.Conformance/PubSub checks the CloudEvent fields too.
"use strict";

const { DaprPubSubStatusEnum } = require("@dapr/dapr");
const { createServer, startWithControl, Inbox } = require("../../lib/server-control");

const PUBSUB = "pubsub";
const inbox = new Inbox();
const { app, server } = createServer();
const client = server.client;

// After the SDK's body parsers, before its subscription routes (the SDK serves them as /pubsub--<topic>--<route>):
// every delivery as the sidecar sent it, per topic and per path.
app.use((req, res, next) => {
  if (req.method === "POST" && req.path.startsWith("/pubsub--")) {
    const delivery = { path: req.path, envelope: req.body, contentType: req.headers["content-type"] ?? null, pubsubname: req.headers["pubsubname"] ?? null };
    inbox.add(`topic:${req.body?.topic ?? ""}`, delivery);
    inbox.add(`path:${req.path}`, delivery);
  }
  next();
});

const record = (name, status = DaprPubSubStatusEnum.SUCCESS) => async (data) => {
  inbox.add(`data:${name}`, data);
  return status;
};

async function subscribe() {
  await server.pubsub.subscribe(PUBSUB, "orders", record("orders"), "orders");
  // Rules: the SDK gives each path its own handler list; the sidecar picks the path by the CEL match.
  await server.pubsub.subscribeWithOptions(PUBSUB, "routed", {
    route: { rules: [{ match: 'event.data.size == "big"', path: "big" }], default: "small" },
  });
  server.pubsub.subscribeToRoute(PUBSUB, "routed", "big", record("routed-big"));
  server.pubsub.subscribeToRoute(PUBSUB, "routed", "small", record("routed-small"));
  // A boolean: the SDK JSON-encodes metadata values, and daprd reads only "true" as true.
  await server.pubsub.subscribe(PUBSUB, "raw", record("raw"), "raw", { rawPayload: true });
  await server.pubsub.subscribeWithOptions(PUBSUB, "doomed", { route: "doomed", deadLetterTopic: "doomed-dead", callback: record("doomed", DaprPubSubStatusEnum.DROP) });
  await server.pubsub.subscribe(PUBSUB, "doomed-dead", record("doomed-dead"), "dead");
}

const routes = {
  // { topic, data, metadata?, contentType? } -> what publish returned
  "POST /control/publish": async (body) => {
    const options = {};
    if (body.metadata) options.metadata = body.metadata;
    if (body.contentType) options.contentType = body.contentType;
    const result = await client.pubsub.publish(PUBSUB, body.topic, body.data, options);
    return { error: result?.error ? String(result.error.message ?? result.error) : null };
  },
  // { topic, messages: [...] } -> failed entries
  "POST /control/publish-bulk": async (body) => {
    const result = await client.pubsub.publishBulk(PUBSUB, body.topic, body.messages);
    return { failedMessages: (result?.failedMessages ?? []).map((f) => String(f.error?.message ?? f.error)) };
  },
  // { topic, handler } -> { deliveries: [{ path, envelope, contentType, pubsubname }] of the topic, data: [...] the handler got }
  "POST /control/received": async (body) => ({ deliveries: inbox.get(`topic:${body.topic}`), data: inbox.get(`data:${body.handler ?? body.topic}`) }),
};

startWithControl({ app, server }, routes, subscribe).catch((err) => {
  console.error(err);
  process.exit(1);
});
