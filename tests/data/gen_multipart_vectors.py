#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""Generate multipart/form-data and GET vectors with the OFFICIAL Python SDKs.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install \
        tencentcloud-sdk-python-common==3.1.195 tencentcloud-sdk-python-cii==3.0.1459
    /tmp/venv/bin/python tests/data/gen_multipart_vectors.py

Multipart: the cii client's own DescribeQualityScore and UploadMedicalFile methods (which pass
``IsMultipart`` and ``BinaryParams`` to the common client), with ``time.time`` and
``uuid.uuid4`` (the boundary) pinned and ``ApiRequest.send_request`` intercepted so nothing
leaves the machine. GET: ``CommonClient.call_json`` with ``HttpProfile(reqMethod="GET")``.
Each vector records what the SDK would send: headers, body (base64) or query, and signature.

Output: tests/data/multipart-vectors.json (deterministic).
"""

import base64
import json
import os
import uuid

from tencentcloud.cii.v20210408 import cii_client, models
from tencentcloud.common import abstract_client
from tencentcloud.common.common_client import CommonClient
from tencentcloud.common.credential import Credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "multipart-vectors.json")
SECRET_ID = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
SECRET_KEY = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
TIMESTAMP = 1700000000
BOUNDARY = "0123456789abcdef0123456789abcdef"


class Captured(Exception):
    pass


captured = {}


def capture(self, req):
    captured["method"] = req.method
    captured["uri"] = req.uri
    captured["header"] = dict(req.header)
    data = req.data
    captured["data"] = data if isinstance(data, bytes) else data.encode("utf-8")
    raise Captured()


abstract_client.ApiRequest.send_request = capture
abstract_client.time.time = lambda: TIMESTAMP
abstract_client.uuid.uuid4 = lambda: uuid.UUID(BOUNDARY)


def run(call):
    captured.clear()
    try:
        call()
    except (Captured, TencentCloudSDKException):
        pass
    assert captured, "the SDK sent nothing"
    header = captured["header"]
    return {
        "method": captured["method"],
        "host": header["Host"],
        "content_type": header["Content-Type"],
        "timestamp": int(header["X-TC-Timestamp"]),
        "authorization": header["Authorization"],
        "data_base64": base64.b64encode(captured["data"]).decode("ascii"),
    }


def profile(method="POST"):
    http = HttpProfile(reqMethod=method)
    http.endpoint = "cii.tencentcloudapi.com"
    return ClientProfile(httpProfile=http)


vectors = []
client = cii_client.CiiClient(Credential(SECRET_ID, SECRET_KEY), "ap-guangzhou", profile())

for name, file_bytes in [
    ("describe-quality-score-binary", bytes(range(256)) + b"\r\n--" + BOUNDARY.encode() + b"\r\n"),
    ("describe-quality-score-text", u"图片 bytes".encode("utf-8")),
]:
    request = models.DescribeQualityScoreRequest()
    request.File = file_bytes
    vector = run(lambda: client.DescribeQualityScore(request))
    vector.update(name=name, service="cii", action="DescribeQualityScore",
                  params={"File": base64.b64encode(file_bytes).decode("ascii")})
    vectors.append(vector)

request = models.UploadMedicalFileRequest()
request.File = b"\x89PNG\r\n\x1a\n\x00\x01"
request.FileURL = "https://example.com/a b.png"
vector = run(lambda: client.UploadMedicalFile(request))
vector.update(name="upload-medical-file", service="cii", action="UploadMedicalFile",
              params={"File": base64.b64encode(request.File).decode("ascii"), "FileURL": request.FileURL})
vectors.append(vector)

# GET: the parameters flattened into the query, signed with an empty payload.
tem_profile = ClientProfile(httpProfile=HttpProfile(reqMethod="GET", endpoint="tem.tencentcloudapi.com"))
tem = CommonClient("tem", "2021-07-01", Credential(SECRET_ID, SECRET_KEY), "ap-guangzhou", profile=tem_profile)
params = {
    "EnvironmentId": "en-1",
    "Limit": 20,
    "Keyword": "a b&c=d/é",
    "Filters": [{"Name": "Status", "Value": ["Running", "Stopped"]}],
}
vector = run(lambda: tem.call_json("DescribeApplications", params))
vector.update(name="get-describe-applications", service="tem", action="DescribeApplications", params=params)
vectors.append(vector)

with open(OUT, "w") as f:
    json.dump({
        "generator": "tests/data/gen_multipart_vectors.py",
        "sdk": "tencentcloud-sdk-python-common 3.1.195, tencentcloud-sdk-python-cii 3.0.1459",
        "secret_id": SECRET_ID,
        "secret_key": SECRET_KEY,
        "boundary": BOUNDARY,
        "vectors": vectors,
    }, f, indent=2, ensure_ascii=False, sort_keys=True)
    f.write("\n")
