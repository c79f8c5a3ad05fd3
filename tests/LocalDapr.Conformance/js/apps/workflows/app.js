// Workflows written with @dapr/durabletask-js (the SDK the JavaScript Dapr SDK builds its workflows on), run
// by the local sidecar's workflow engine over its gRPC port, and driven by tests/LocalDapr.Conformance/Workflows.
// Orchestrators are async generators: durabletask-js treats any other return value as a workflow that schedules
// nothing. The worker never echoes completion tokens (durabletask-js does not), as daprd allows.
"use strict";

const { TaskHubGrpcClient, TaskHubGrpcWorker } = require("@dapr/durabletask-js");
const { whenAny } = require("@dapr/durabletask-js/task");
const { PurgeInstanceCriteria } = require("@dapr/durabletask-js/orchestration/orchestration-purge-criteria");
const { OrchestrationStatus } = require("@dapr/durabletask-js/orchestration/enum/orchestration-status.enum");
const { serveControl } = require("../../lib/control");

const address = `127.0.0.1:${process.env.DAPR_GRPC_PORT}`;
const worker = new TaskHubGrpcWorker(address);
const client = new TaskHubGrpcClient(address);

// How often each activity ran per instance ("append:<instanceId>"): activities must run once per schedule.
const hits = new Map();
const hit = (key) => hits.set(key, (hits.get(key) ?? 0) + 1);

// ---------------------------------------------------------------- activities

worker.addNamedActivity("append", (ctx, input) => {
  hit(`append:${ctx.orchestrationId}`);
  return `${input.text}${input.suffix}`;
});

worker.addNamedActivity("boom", (ctx, text) => {
  hit(`boom:${ctx.orchestrationId}`);
  throw new Error(`boom: posting rejected for ${text}`);
});

// ---------------------------------------------------------------- workflows

// Three activities in a row: "x" -> "xABC".
worker.addNamedOrchestrator("sequence", async function* (ctx, text) {
  let value = text;
  for (const suffix of ["A", "B", "C"]) {
    value = yield ctx.callActivity("append", { text: value, suffix });
  }
  return value;
});

// A child workflow with a known instance id.
worker.addNamedOrchestrator("parent", async function* (ctx, text) {
  const child = yield ctx.callSubOrchestrator("sequence", text, `${ctx.instanceId}-child`);
  return `parent(${child})`;
});

// An external event raced against a durable timer: the saga's approval step.
worker.addNamedOrchestrator("approval", async function* (ctx, input) {
  ctx.setCustomStatus("awaiting-approval");
  const approval = ctx.waitForExternalEvent("approval");
  const deadline = ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + input.timeoutMs));
  const winner = yield whenAny([approval, deadline]);
  return winner === approval ? `approved:${approval.getResult()}` : "timed-out";
});

// Waits forever for "go": a running instance to terminate, suspend and resume.
worker.addNamedOrchestrator("waiter", async function* (ctx, prefix) {
  const go = yield ctx.waitForExternalEvent("go");
  return `${prefix}${go}`;
});

// Continue-as-new until the counter reaches 3; one activity per generation.
worker.addNamedOrchestrator("counter", async function* (ctx, n) {
  yield ctx.callActivity("append", { text: String(n), suffix: "+" });
  if (n < 3) {
    ctx.continueAsNew(n + 1, false);
    return undefined;
  }
  return n;
});

// An activity failure that the workflow does not catch: the instance fails.
worker.addNamedOrchestrator("failing", async function* (ctx, text) {
  return yield ctx.callActivity("boom", text);
});

// An activity failure caught by the workflow: its message reaches the workflow code.
worker.addNamedOrchestrator("catching", async function* (ctx, text) {
  try {
    yield ctx.callActivity("boom", text);
    return "not-reached";
  } catch (err) {
    return `caught:${err.message}`;
  }
});

// ---------------------------------------------------------------- a worker that stalls mid-turn

// While `stalledTurns` > 0, orchestrator work items are received and never answered (no result, no error) while
// the stream stays connected: what a hung worker looks like to the sidecar, which must hand the turn out again.
let stalledTurns = 0;
const executeOrchestrator = worker._executeOrchestrator.bind(worker);
worker._executeOrchestrator = async (req, stub) => {
  if (stalledTurns > 0) {
    stalledTurns -= 1;
    console.log(`stalling the turn of ${req.getInstanceid()} (never answered)`);
    return;
  }
  await executeOrchestrator(req, stub);
};

// ---------------------------------------------------------------- control API

const statusName = (s) => OrchestrationStatus[s] ?? String(s);

function describe(state) {
  if (!state) {
    return { exists: false };
  }
  return {
    exists: true,
    name: state.name,
    status: statusName(state.runtimeStatus),
    input: state.serializedInput ?? null,
    output: state.serializedOutput ?? null,
    customStatus: state.serializedCustomStatus ?? null,
    failure: state.failureDetails ? { message: state.failureDetails.message, errorType: state.failureDetails.errorType } : null,
  };
}

const routes = {
  "POST /workflows/start": async (b) => ({ instanceId: await client.scheduleNewOrchestration(b.name, b.input, b.instanceId) }),
  "POST /workflows/state": async (b) => describe(await client.getOrchestrationState(b.instanceId, true)),
  "POST /workflows/wait-start": async (b) => describe(await client.waitForOrchestrationStart(b.instanceId, true, b.timeoutSeconds ?? 30)),
  "POST /workflows/wait-completion": async (b) => describe(await client.waitForOrchestrationCompletion(b.instanceId, true, b.timeoutSeconds ?? 30)),
  "POST /workflows/raise": async (b) => client.raiseOrchestrationEvent(b.instanceId, b.name, b.data),
  "POST /workflows/terminate": async (b) => client.terminateOrchestration(b.instanceId, b.output),
  "POST /workflows/suspend": async (b) => client.suspendOrchestration(b.instanceId),
  "POST /workflows/resume": async (b) => client.resumeOrchestration(b.instanceId),
  "POST /workflows/purge": async (b) => ({ deleted: (await client.purgeOrchestration(b.instanceId))?.deletedInstanceCount ?? null }),
  "POST /workflows/purge-filter": async (b) => {
    const criteria = new PurgeInstanceCriteria();
    criteria.setRuntimeStatusList((b.statuses ?? []).map((s) => OrchestrationStatus[s]));
    criteria.setCreatedTimeFrom(b.createdFrom ? new Date(b.createdFrom) : undefined);
    return { deleted: (await client.purgeOrchestration(criteria))?.deletedInstanceCount ?? null };
  },
  "POST /workflows/hits": async (b) => ({ count: hits.get(b.key) ?? 0 }),
  "POST /workflows/stall": async (b) => {
    stalledTurns = b.turns;
    return { stalledTurns };
  },
};

serveControl(routes, async () => {
  await worker.start();
}).catch((err) => {
  console.error(err);
  process.exit(1);
});
