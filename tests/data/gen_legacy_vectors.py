"""Generate HmacSHA1 / HmacSHA256 (legacy, form-encoded) signing vectors with the OFFICIAL
Python SDK.

    pip install tencentcloud-sdk-python-common
    python3 tests/data/gen_legacy_vectors.py

Each vector drives ``CommonClient.call_json`` with ``ClientProfile(signMethod=...)`` through
the SDK's own ``AbstractClient._build_req_with_old_signature`` / ``_format_sign_string`` /
``Sign.sign``. This script only pins the clock (``time.time``) and the nonce
(``random.randint``) as ``abstract_client`` sees them, records the arguments and result of
``Sign.sign``, and intercepts ``ApiRequest.send_request`` so nothing leaves the machine.

Output: tests/data/legacy-signing-vectors.json (deterministic).
"""

import json
import os
import sys
import types

import requests
import tencentcloud
from tencentcloud.common import abstract_client
from tencentcloud.common.common_client import CommonClient
from tencentcloud.common.credential import Credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "legacy-signing-vectors.json")

_REAL_TIME = abstract_client.time
_REAL_RANDOM = abstract_client.random
_REAL_SIGN = abstract_client.Sign

SENT = []
SIGN_CALLS = []


class _SignShim(object):
    @staticmethod
    def sign(secret_key, sign_str, sign_method):
        result = _REAL_SIGN.sign(secret_key, sign_str, sign_method)
        SIGN_CALLS.append({"secret_key": secret_key, "string_to_sign": sign_str,
                           "method": sign_method, "signature": result})
        return result

    sign_tc3 = staticmethod(_REAL_SIGN.sign_tc3)


class _FakeResponse(object):
    status_code = 200
    headers = {}
    content = '{"Response": {"RequestId": "legacy-vector"}}'
    text = content

    def json(self):
        return json.loads(self.content)


def _fake_send_request(req_inter):
    SENT.append(req_inter)
    return _FakeResponse()


def _no_network(*args, **kwargs):
    raise RuntimeError("gen_legacy_vectors.py must never touch the network")


requests.Session.request = _no_network

SID = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
SKEY = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
TS = 1551113065
NONCE = 11886

TEM = {"ApplicationId": "app-xxxxxx", "EnvironmentId": "en-xxxxxx", "DeployVersion": "v1",
       "DeployStrategyType": "AUTO", "Force": True}


def case(name, description, params, method="HmacSHA256", **kw):
    spec = {"name": name, "description": description, "method": method,
            "secret_id": SID, "secret_key": SKEY, "token": None,
            "service": "tem", "version": "2021-07-01", "action": "RollingUpdateApplicationByVersion",
            "region": "ap-guangzhou", "timestamp": TS, "nonce": NONCE, "language": "zh-CN",
            "endpoint": None, "params": params}
    spec.update(kw)
    return spec


CASES = [
    case("hmacsha256-tem-rolling-update", "TEM RollingUpdateApplicationByVersion, HmacSHA256.", TEM),
    case("hmacsha1-tem-rolling-update", "The same with HmacSHA1.", TEM, method="HmacSHA1"),
    case("hmacsha256-empty-params", "No parameters of the action's own.", {}),
    case("hmacsha1-empty-params", "No parameters, HmacSHA1.", {}, method="HmacSHA1"),
    case("hmacsha256-nested-filters", "Nested arrays and objects flatten to Filters.0.Values.1.",
         {"Filters": [{"Name": "tag:env", "Values": ["prod", "staging"]}, {"Name": "x", "Values": []}],
          "Limit": 20, "Offset": 0}, action="DescribeApplications"),
    case("hmacsha1-nested-filters", "Nested parameters, HmacSHA1.",
         {"Filters": [{"Name": "instance-name", "Values": ["\u672a\u547d\u540d"]}], "Limit": 1},
         method="HmacSHA1", service="cvm", version="2017-03-12", action="DescribeInstances"),
    case("hmacsha256-session-token", "Temporary credentials: Token is a signed parameter.", TEM,
         secret_id="AKIDtmpSTSexample0000000000000000000",
         token="tmp-session-token/+=AbCdEf0123456789_ExampleOnly.Long-Token-Value"),
    case("hmacsha1-no-region", "Empty region: no Region parameter.", {"Limit": 10}, method="HmacSHA1",
         region="", action="DescribeEnvironments"),
    case("hmacsha256-en-us", "Language en-US.", {"Limit": 10}, language="en-US", action="DescribeEnvironments"),
    case("hmacsha256-endpoint-with-port", "HttpProfile.endpoint with a port: the host in the string to sign keeps it.",
         TEM, endpoint="127.0.0.1:8443"),
    case("hmacsha256-special-characters", "Values needing form encoding: spaces, &, =, +, /, UTF-8.",
         {"Description": "a b&c=d+e/f?g#h", "Name": "\u6d4b\u8bd5-\u00e9", "Path": "C:\\dir\\file"},
         action="ModifyApplicationInfo"),
    case("hmacsha1-underscore-key", "A key with '_' is signed with '.' (the SDK's _format_sign_string) "
         "but sent as is.", {"Tag_Key": "v", "Limit": 1}, method="HmacSHA1", action="DescribeEnvironments"),
    case("hmacsha256-unicode-secret-key", "Non-ASCII secret key: HMAC over its UTF-8 bytes.", {"Limit": 1},
         secret_key="\u5bc6\u94a5-\u043a\u043b\u044e\u0447", action="DescribeEnvironments"),
    case("hmacsha1-large-nonce-timestamp", "The largest nonce the SDK draws (sys.maxsize) and a 2100 timestamp.",
         {"Limit": 1}, method="HmacSHA1", nonce=sys.maxsize, timestamp=4102444800, action="DescribeEnvironments"),
]


def run(spec):
    http_profile = HttpProfile(endpoint=spec["endpoint"])
    profile = ClientProfile(signMethod=spec["method"], httpProfile=http_profile, language=spec["language"])
    cred = Credential(spec["secret_id"], spec["secret_key"], spec["token"])
    client = CommonClient(spec["service"], spec["version"], cred, spec["region"], profile=profile)
    client.request.send_request = _fake_send_request
    del SENT[:]
    del SIGN_CALLS[:]
    abstract_client.time = types.SimpleNamespace(time=lambda: spec["timestamp"])
    abstract_client.random = types.SimpleNamespace(randint=lambda a, b: spec["nonce"])
    abstract_client.Sign = _SignShim
    try:
        client.call_json(spec["action"], spec["params"])
    finally:
        abstract_client.time = _REAL_TIME
        abstract_client.random = _REAL_RANDOM
        abstract_client.Sign = _REAL_SIGN
    assert len(SENT) == 1 and len(SIGN_CALLS) == 1
    req, sc = SENT[0], SIGN_CALLS[0]
    assert sc["method"] == spec["method"] and sc["secret_key"] == spec["secret_key"]
    headers = dict(req.header)
    return {
        "name": spec["name"],
        "description": spec["description"],
        "method": spec["method"],
        "secret_id": spec["secret_id"],
        "secret_key": spec["secret_key"],
        "token": spec["token"],
        "service": spec["service"],
        "version": spec["version"],
        "action": spec["action"],
        "region": spec["region"],
        "language": spec["language"],
        # The legacy path sets no Host header; the host it signs (and requests sends) is this.
        "host": client._get_endpoint(options={}),
        "timestamp": spec["timestamp"],
        "nonce": spec["nonce"],
        "request_client": client.request_client,
        # The action's parameters as the Rust client serializes them: JSON, in order.
        "payload": json.dumps(spec["params"], ensure_ascii=False, separators=(",", ":")),
        "expected": {
            "string_to_sign": sc["string_to_sign"],
            "signature": sc["signature"],
            "body": req.data,
            "content_type": headers["Content-Type"],
        },
    }


def main():
    vectors = [run(c) for c in CASES]
    names = [v["name"] for v in vectors]
    assert len(names) == len(set(names)), "vector names must be unique"
    doc = {"generator": "tests/data/gen_legacy_vectors.py",
           "sdk": "tencentcloud-sdk-python-common %s" % tencentcloud.__version__,
           "vectors": vectors}
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    print("wrote %s (%d vectors), sdk %s, python %s" % (OUT, len(vectors), tencentcloud.__version__,
                                                       sys.version.split()[0]))
    for v in vectors:
        print("  %-40s %-10s %s" % (v["name"], v["method"], v["expected"]["signature"]))


if __name__ == "__main__":
    main()
