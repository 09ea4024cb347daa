// A whole rollout through the official Node SDK (tencentcloud-sdk-nodejs, from npm) against the
// tem-emulator binary.
//
// Run by tem-emulator/tests/node_sdk.rs with NODE_PATH at the SDK's node_modules and
// TEM_PROXY (http://127.0.0.1:PORT), TEM_SECRET_ID and TEM_SECRET_KEY. The SDK is configured as
// for the cloud (endpoint tem.tencentcloudapi.com, so it signs for the service "tem") with the
// emulator as its HTTP proxy (httpProfile.proxy): the emulator serves the CONNECT tunnel to
// tem.tencentcloudapi.com itself. Protocol http:// because the emulator speaks no TLS.
"use strict";

const { Client } = require("tencentcloud-sdk-nodejs/tencentcloud/services/tem/v20210701/tem_client");

const DEADLINE_MS = 60000;

const tem = new Client({
  credential: { secretId: process.env.TEM_SECRET_ID, secretKey: process.env.TEM_SECRET_KEY },
  region: "ap-guangzhou",
  profile: {
    httpProfile: {
      endpoint: "tem.tencentcloudapi.com",
      protocol: "http://",
      proxy: process.env.TEM_PROXY,
      reqTimeout: 10,
    },
  },
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(appId, envId, want) {
  const started = Date.now();
  const trail = [];
  for (;;) {
    const { Result: detail } = await tem.DescribeDeployApplicationDetail({ ApplicationId: appId, EnvironmentId: envId });
    const step = `${detail.Status} ${detail.CurrentBatchIndex} ${detail.CurrentBatchStatus}`;
    if (trail[trail.length - 1] !== step) {
      trail.push(step);
      console.log("  ", step);
    }
    if (detail.Status === want) return detail;
    if (detail.Status !== "Running") throw new Error(`unexpected status ${detail.Status}: ${detail.ErrorMessage}`);
    if (Date.now() - started > DEADLINE_MS) throw new Error(`no ${want} within ${DEADLINE_MS} ms: ${trail}`);
    await sleep(50);
  }
}

function assert(condition, what) {
  if (!condition) throw new Error(`assertion failed: ${what}`);
}

async function main() {
  const { Result: envId } = await tem.CreateEnvironment({
    EnvironmentName: "node-env", Description: "from the Node SDK", SubnetIds: ["subnet-abc"], Vpc: "vpc-abc",
  });
  assert(envId.startsWith("en-"), envId);
  const { Result: appId } = await tem.CreateApplication({ ApplicationName: "node-app", Description: "a test application" });
  assert(appId.startsWith("app-"), appId);
  console.log("created", envId, appId);

  const { Result: first } = await tem.DeployApplication({
    ApplicationId: appId, EnvironmentId: envId, InitPodNum: 3, CpuSpec: 0.5, MemorySpec: 1.0, DeployVersion: "v1",
  });
  assert(first.startsWith("revision-"), first);
  await waitFor(appId, envId, "Success");

  await tem.RollingUpdateApplicationByVersion({
    ApplicationId: appId, EnvironmentId: envId, DeployVersion: "v2", DeployStrategyType: "BETA",
    TotalBatchCount: 2, BetaBatchNum: 1,
  });
  // BETA: the beta batch (BatchIndex 0), then a wait for ResumeDeployApplication.
  const started = Date.now();
  for (;;) {
    const { Result: detail } = await tem.DescribeDeployApplicationDetail({ ApplicationId: appId, EnvironmentId: envId });
    if (detail.CurrentBatchStatus === "WaitForResume") {
      assert(detail.BetaBatchDetail.BatchIndex === 0 && detail.BetaBatchDetail.BatchStatus === "Finish", "beta batch");
      break;
    }
    if (Date.now() - started > DEADLINE_MS) throw new Error("the beta batch did not finish");
    await sleep(50);
  }
  const { Result: resumed } = await tem.ResumeDeployApplication({ ApplicationId: appId, EnvironmentId: envId });
  assert(resumed === true, "resumed");
  const detail = await waitFor(appId, envId, "Success");
  const batches = detail.OtherBatchDetail.map((b) => `${b.BatchIndex}:${b.BatchStatus}`).join(",");
  assert(batches === "1:Finish,2:Finish", batches);

  const { Result: pods } = await tem.DescribeApplicationPods({ ApplicationId: appId, EnvironmentId: envId });
  const versions = pods.PodList.map((p) => `${p.DeployVersion}/${p.Status}`).sort();
  console.log("pods", versions);
  assert(pods.TotalCount === 3 && versions.every((v) => v === "v2/Running"), versions);

  try {
    await tem.DescribeApplicationPods({ ApplicationId: "app-nothere", EnvironmentId: envId });
    throw new Error("an unknown application must be refused");
  } catch (e) {
    assert(e.code === "ResourceNotFound.ServiceNotFound", `${e.code} ${e.message}`);
  }
  console.log("node sdk rollout: ok");
}

main().catch((e) => {
  console.error(`FAILED: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
