"""GET requests through the official Python SDK against the tem-emulator binary.

Run by tem-emulator/tests/python_sdk.rs with TEM_ENDPOINT (host:port), TEM_SECRET_ID and
TEM_SECRET_KEY. The SDK sends `reqMethod="GET"` as it would to Tencent Cloud: the parameters
flattened into the query string (`SubnetIds.0=...`), signed with TC3-HMAC-SHA256 over the query
(and, with signMethod HmacSHA256, the legacy signature in the query).
"""

import json
import os
import sys

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.tem.v20210701 import models, tem_client


def client(sign_method):
    cred = credential.Credential(os.environ["TEM_SECRET_ID"], os.environ["TEM_SECRET_KEY"])
    http = HttpProfile(protocol="http", endpoint=os.environ["TEM_ENDPOINT"], reqMethod="GET", reqTimeout=10)
    return tem_client.TemClient(cred, "ap-guangzhou", ClientProfile(signMethod=sign_method, httpProfile=http))


def request(model, **params):
    req = model()
    req.from_json_string(json.dumps(params))
    return req


def main():
    for sign_method, name in (("TC3-HMAC-SHA256", "get-tc3"), ("HmacSHA256", "get-legacy")):
        tem = client(sign_method)
        env_id = tem.CreateEnvironment(
            request(models.CreateEnvironmentRequest, EnvironmentName=name, SubnetIds=["subnet-a", "subnet-b"],
                    Vpc="vpc-get", Description="made with GET & a query string")
        ).Result
        assert env_id.startswith("en-"), env_id
        env = tem.DescribeEnvironment(request(models.DescribeEnvironmentRequest, EnvironmentId=env_id)).Result
        assert env.SubnetIds == ["subnet-a", "subnet-b"], env.SubnetIds
        assert env.Description == "made with GET & a query string", env.Description
        app_id = tem.CreateApplication(
            request(models.CreateApplicationRequest, ApplicationName=name, Description="via GET")).Result
        tem.DeployApplication(
            request(models.DeployApplicationRequest, ApplicationId=app_id, EnvironmentId=env_id, InitPodNum=3,
                    DeployVersion="v1", CpuSpec=0.5, MemorySpec=1.0)
        )
        pods = tem.DescribeApplicationPods(
            request(models.DescribeApplicationPodsRequest, ApplicationId=app_id, EnvironmentId=env_id, Limit=1)
        ).Result
        assert pods.Limit == 1 and len(pods.PodList) <= 1, pods.to_json_string()
        try:
            tem.DescribeApplicationPods(
                request(models.DescribeApplicationPodsRequest, ApplicationId="app-nothere", EnvironmentId=env_id))
            raise AssertionError("an unknown application must be refused")
        except TencentCloudSDKException as e:
            assert e.code == "ResourceNotFound.ServiceNotFound", e
        print(sign_method, "GET ok", env_id, app_id, flush=True)
    print("python sdk get: ok", flush=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:
        print(f"FAILED: {e!r}", file=sys.stderr, flush=True)
        raise
