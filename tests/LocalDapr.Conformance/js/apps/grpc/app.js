// An `appProtocol: grpc` app: @dapr/dapr's DaprServer with CommunicationProtocolEnum.GRPC serves Dapr's AppCallback
// service on APP_PORT, so the sidecar reaches it only through OnInvoke, ListTopicSubscriptions and OnTopicEvent.
// DaprClient calls its methods through the sidecar over HTTP and gRPC and publishes to its subscriptions; the
// control API listens on CONTROL_PORT (APP_PORT is gRPC). Driven by tests/LocalDapr.Conformance/GrpcApp.
"use strict";

const { DaprServer, DaprClient, CommunicationProtocolEnum, HttpMethod, DaprPubSubStatusEnum } = require("@dapr/dapr");
// The gRPC server library @dapr/dapr serves AppCallback with (its own dependency, pinned by the lock file): a handler
// throws its ConnectError to answer with a status of its choosing; any other throw becomes "internal error".
const { ConnectError, Code } = require("@connectrpc/connect");
const { serveControl } = require("../../lib/control");
const { Inbox } = require("../../lib/server-control");

const PUBSUB = "pubsub";
const self = process.env.APP_ID;
const inbox = new Inbox();
const server = new DaprServer({
  serverHost: "127.0.0.1",
  serverPort: process.env.APP_PORT,
  communicationProtocol: CommunicationProtocolEnum.GRPC,
  clientOptions: { daprHost: "127.0.0.1", daprPort: process.env.DAPR_GRPC_PORT, communicationProtocol: CommunicationProtocolEnum.GRPC },
});
const http = new DaprClient({ daprHost: "127.0.0.1", daprPort: process.env.DAPR_HTTP_PORT, communicationProtocol: CommunicationProtocolEnum.HTTP });

const record = (name, status = DaprPubSubStatusEnum.SUCCESS) => async (data, headers) => {
  inbox.add(`data:${name}`, { data, callerHeaders: Object.keys(headers ?? {}) });
  return status;
};

async function register() {
  // The SDK hands the handler { body, query, metadata: { contentType } } from OnInvoke's request.
  await server.invoker.listen("echo", async ({ body, query, metadata }) => ({ body: JSON.parse(body), query: query ?? "", contentType: metadata?.contentType ?? null }), { method: HttpMethod.POST });
  await server.invoker.listen("frozen", async () => {
    throw new ConnectError("account frozen", Code.FailedPrecondition);
  }, { method: HttpMethod.POST });

  await server.pubsub.subscribe(PUBSUB, "g-orders", record("g-orders"), "orders");
  await server.pubsub.subscribeWithOptions(PUBSUB, "g-routed", {
    route: { rules: [{ match: 'event.data.size == "big"', path: "big" }], default: "small" },
  });
  server.pubsub.subscribeToRoute(PUBSUB, "g-routed", "big", record("g-routed-big"));
  server.pubsub.subscribeToRoute(PUBSUB, "g-routed", "small", record("g-routed-small"));
  await server.pubsub.subscribeWithOptions(PUBSUB, "g-doomed", { route: "doomed", deadLetterTopic: "g-doomed-dead", callback: record("g-doomed", DaprPubSubStatusEnum.DROP) });
  await server.pubsub.subscribe(PUBSUB, "g-doomed-dead", record("g-doomed-dead"), "dead");
}

function failure(err) {
  try {
    const parsed = JSON.parse(err.message);
    return { failed: true, status: parsed.status ?? null, message: parsed.error_msg ?? null };
  } catch {
    return { failed: true, code: err.code ?? null, message: String(err.rawMessage ?? err.details ?? err.message ?? err) };
  }
}

const routes = {
  // { grpc, method, data } -> the method's answer, or what the SDK threw
  "POST /control/invoke": async (body) => {
    const client = body.grpc ? server.client : http;
    try {
      return { failed: false, result: await client.invoker.invoke(body.appId ?? self, body.method, HttpMethod.POST, body.data) };
    } catch (err) {
      return failure(err);
    }
  },
  // { topic, data } -> what publish returned
  "POST /control/publish": async (body) => {
    const result = await http.pubsub.publish(PUBSUB, body.topic, body.data);
    return { error: result?.error ? String(result.error.message ?? result.error) : null };
  },
  // { handler } -> [{ data, callerHeaders }] the handler got
  "POST /control/received": async (body) => inbox.get(`data:${body.handler}`),
};

serveControl(routes, async () => {
  await register();
  await server.start();
  await http.start();
}).catch((err) => {
  console.error(err);
  process.exit(1);
});
