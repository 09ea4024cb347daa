"""A whole rollout through the official Python SDK against the tem-emulator binary.

Run by tem-emulator/tests/python_sdk.rs, which starts the binary and passes its endpoint and
credentials in TEM_ENDPOINT (host:port), TEM_SECRET_ID and TEM_SECRET_KEY. The SDK is used as
any user would use it: no special case for it exists in the emulator.
"""

import json
import os
import sys
import time

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.tem.v20210701 import models, tem_client

DEADLINE_SECONDS = 60


def client():
    cred = credential.Credential(os.environ["TEM_SECRET_ID"], os.environ["TEM_SECRET_KEY"])
    http = HttpProfile(protocol="http", endpoint=os.environ["TEM_ENDPOINT"], reqTimeout=10)
    return tem_client.TemClient(cred, "ap-guangzhou", ClientProfile(httpProfile=http))


def request(model, **params):
    req = model()
    req.from_json_string(json.dumps(params))
    return req


def wait_for(tem, app_id, env_id, want):
    """Polls DescribeDeployApplicationDetail until Status is `want`; returns the batch trail."""
    started = time.monotonic()
    trail = []
    while True:
        detail = tem.DescribeDeployApplicationDetail(
            request(models.DescribeDeployApplicationDetailRequest, ApplicationId=app_id, EnvironmentId=env_id)
        ).Result
        step = (detail.Status, detail.CurrentBatchIndex, detail.CurrentBatchStatus)
        if not trail or trail[-1] != step:
            trail.append(step)
            print("  ", *step, flush=True)
        if detail.Status == want:
            return detail, trail
        assert detail.Status in ("Running",), f"unexpected status {detail.Status}: {detail.ErrorMessage}"
        assert time.monotonic() - started < DEADLINE_SECONDS, f"no {want} within {DEADLINE_SECONDS}s: {trail}"
        time.sleep(0.05)


def main():
    tem = client()
    env_id = tem.CreateEnvironment(
        request(models.CreateEnvironmentRequest, EnvironmentName="py-env", Description="from the Python SDK",
                SubnetIds=["subnet-abc"], Vpc="vpc-abc")
    ).Result
    assert env_id.startswith("en-"), env_id
    app_id = tem.CreateApplication(
        request(models.CreateApplicationRequest, ApplicationName="py-app", Description="a test application")
    ).Result
    assert app_id.startswith("app-"), app_id
    print("created", env_id, app_id, flush=True)

    first = tem.DeployApplication(
        request(models.DeployApplicationRequest, ApplicationId=app_id, EnvironmentId=env_id, InitPodNum=3,
                CpuSpec=0.5, MemorySpec=1.0, DeployVersion="v1", ImgRepo="tcr/py-app")
    ).Result
    assert first.startswith("revision-"), first
    detail, _ = wait_for(tem, app_id, env_id, "Success")
    assert detail.NewDeployVersion == "v1"

    update = request(models.RollingUpdateApplicationByVersionRequest, ApplicationId=app_id, EnvironmentId=env_id,
                     DeployVersion="v2", DeployStrategyType="BETA", TotalBatchCount=2, BetaBatchNum=1)
    tem.RollingUpdateApplicationByVersion(update)
    try:
        tem.RollingUpdateApplicationByVersion(update)
        raise AssertionError("a second rollout while one runs must be refused")
    except TencentCloudSDKException as e:
        assert e.code == "ResourceInUse.ServiceDeploying", e

    # BETA: the beta batch deploys, then the rollout waits for ResumeDeployApplication.
    started = time.monotonic()
    while True:
        detail = tem.DescribeDeployApplicationDetail(
            request(models.DescribeDeployApplicationDetailRequest, ApplicationId=app_id, EnvironmentId=env_id)
        ).Result
        if detail.CurrentBatchStatus == "WaitForResume":
            break
        assert time.monotonic() - started < DEADLINE_SECONDS, "the beta batch did not finish"
        time.sleep(0.05)
    assert detail.BetaBatchDetail.BatchStatus == "Finish", detail.BetaBatchDetail.BatchStatus
    assert tem.ResumeDeployApplication(
        request(models.ResumeDeployApplicationRequest, ApplicationId=app_id, EnvironmentId=env_id)
    ).Result is True
    detail, trail = wait_for(tem, app_id, env_id, "Success")
    assert [b.BatchStatus for b in detail.OtherBatchDetail] == ["Finish", "Finish"], trail

    pods = tem.DescribeApplicationPods(
        request(models.DescribeApplicationPodsRequest, ApplicationId=app_id, EnvironmentId=env_id)
    ).Result
    versions = sorted((p.DeployVersion, p.Status) for p in pods.PodList)
    print("pods", versions, flush=True)
    assert pods.TotalCount == 3 and versions == [("v2", "Running")] * 3, versions

    try:
        tem.DescribeApplicationPods(
            request(models.DescribeApplicationPodsRequest, ApplicationId="app-nothere", EnvironmentId=env_id))
        raise AssertionError("an unknown application must be refused")
    except TencentCloudSDKException as e:
        assert e.code == "ResourceNotFound.ServiceNotFound", e
    print("python sdk rollout: ok", flush=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # one line for the Rust test's report, then the trace
        print(f"FAILED: {e!r}", file=sys.stderr, flush=True)
        raise
