// Service invocation through @dapr/dapr: DaprServer's invoker serves methods on APP_PORT, and DaprClient calls
// them through the sidecar over HTTP (/v1.0/invoke) and over gRPC (InvokeService), driven by
// tests/LocalDapr.Conformance/Invoke.
"use strict";

const { DaprClient, CommunicationProtocolEnum, HttpMethod } = require("@dapr/dapr");
const { createServer, startWithControl } = require("../../lib/server-control");

const { app, server } = createServer();
const grpc = new DaprClient({ daprHost: "127.0.0.1", daprPort: process.env.DAPR_GRPC_PORT, communicationProtocol: CommunicationProtocolEnum.GRPC });
const self = process.env.APP_ID;

async function listen() {
  await server.invoker.listen(
    "echo",
    async ({ body, query, headers }) => ({ body: JSON.parse(body), query, caller: headers["dapr-caller-app-id"] ?? null, callee: headers["dapr-callee-app-id"] ?? null }),
    { method: HttpMethod.POST },
  );
}

function failure(err) {
  try {
    const parsed = JSON.parse(err.message);
    return { failed: true, status: parsed.status ?? null, message: parsed.error_msg ?? null };
  } catch {
    return { failed: true, code: err.code ?? null, message: String(err.details ?? err.message ?? err) };
  }
}

const routes = {
  // { grpc, method, data } -> the method's answer, or what the SDK threw
  "POST /control/invoke": async (body) => {
    const client = body.grpc ? grpc : server.client;
    try {
      return { failed: false, result: await client.invoker.invoke(body.appId ?? self, body.method, HttpMethod.POST, body.data) };
    } catch (err) {
      return failure(err);
    }
  },
};

startWithControl({ app, server }, routes, async () => {
  await listen();
  await grpc.start();
}).catch((err) => {
  console.error(err);
  process.exit(1);
});
