#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""Generate TC3-HMAC-SHA256 signing test vectors with the OFFICIAL Python SDK.

    pip install tencentcloud-sdk-python-common
    python3 tests/data/gen_signing_vectors.py

Every vector is produced by driving the SDK's own public entry point
(``CommonClient.call_json``) through its real signing code path
(``AbstractClient._build_req_with_tc3_signature`` / ``_get_tc3_signature`` /
``Sign.sign_tc3``).  Nothing is re-implemented here; this script only

  * pins the clock (``time.time`` as seen by ``abstract_client``),
  * observes the SDK's intermediate values (the inputs of the SDK's own
    ``hashlib.sha256`` calls and the arguments / result of ``Sign.sign_tc3``),
  * intercepts ``ApiRequest.send_request`` so nothing leaves the machine
    (and, belt and braces, makes ``requests.Session.request`` raise), and
  * for the "raw body" vectors only, substitutes the string that the SDK's
    ``json.dumps(params)`` step produces (see ``RawBody``) so that bodies a
    Rust serializer would emit (raw UTF-8, compact separators, pretty-printed
    documentation bodies) are signed by the SDK too.  Everything after the
    serialization step (headers, canonical request, hashing, key derivation,
    Authorization) is still the SDK's code.

Output: tests/data/signing-vectors.json (deterministic: same bytes every run).
"""

import calendar
import hashlib
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
OUT = os.path.join(HERE, "signing-vectors.json")

_REAL_JSON = abstract_client.json
_REAL_HASHLIB = abstract_client.hashlib
_REAL_TIME = abstract_client.time
_REAL_SIGN = abstract_client.Sign


# --------------------------------------------------------------------------
# Instrumentation
# --------------------------------------------------------------------------

class RawBody(object):
    """Marker: make the SDK's ``json.dumps(params)`` step yield this exact text."""

    def __init__(self, text):
        self.text = text


class _JsonShim(object):
    """Stands in for the ``json`` module inside ``abstract_client``."""

    def dumps(self, obj, *args, **kwargs):
        if isinstance(obj, RawBody):
            return obj.text
        return _REAL_JSON.dumps(obj, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(_REAL_JSON, name)


class _Recorder(object):
    def __init__(self):
        self.reset()

    def reset(self):
        self.sha256_inputs = []
        self.sign_calls = []
        self.sent = []


REC = _Recorder()


class _HashlibShim(object):
    """Stands in for ``hashlib`` inside ``abstract_client``; records sha256 inputs."""

    def sha256(self, data=b"", *args, **kwargs):
        REC.sha256_inputs.append(bytes(data))
        return _REAL_HASHLIB.sha256(data, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(_REAL_HASHLIB, name)


class _SignShim(object):
    """Stands in for ``Sign`` inside ``abstract_client``; records sign_tc3 I/O."""

    @staticmethod
    def sign(*args, **kwargs):
        return _REAL_SIGN.sign(*args, **kwargs)

    @staticmethod
    def sign_tc3(secret_key, date, service, str2sign):
        sig = _REAL_SIGN.sign_tc3(secret_key, date, service, str2sign)
        REC.sign_calls.append({"secret_key": secret_key, "date": date,
                               "service": service, "string_to_sign": str2sign,
                               "signature": sig})
        return sig


class _FakeResponse(object):
    status_code = 200
    headers = {}
    content = '{"Response": {"RequestId": "offline-vector-generation"}}'


def _fake_send_request(req_inter):
    REC.sent.append(req_inter)
    return _FakeResponse()


def _no_network(*args, **kwargs):
    raise RuntimeError("gen_signing_vectors.py must never touch the network")


def _install(timestamp):
    abstract_client.json = _JsonShim()
    abstract_client.hashlib = _HashlibShim()
    abstract_client.Sign = _SignShim
    abstract_client.time = types.SimpleNamespace(time=lambda: timestamp)


def _uninstall():
    abstract_client.json = _REAL_JSON
    abstract_client.hashlib = _REAL_HASHLIB
    abstract_client.Sign = _REAL_SIGN
    abstract_client.time = _REAL_TIME


requests.Session.request = _no_network  # nothing may go out, ever


# --------------------------------------------------------------------------
# Driving the SDK
# --------------------------------------------------------------------------

# Headers present in the recorded "headers" map (everything the SDK sets on
# the request except Authorization (recorded separately), X-TC-RequestClient
# (SDK name/version) and X-TC-TraceId (a random uuid4 added per call)).
_EXCLUDED = {"authorization", "x-tc-requestclient", "x-tc-traceid"}


def run_vector(spec):
    ts = spec["timestamp"]
    http_profile = HttpProfile(endpoint=spec.get("endpoint"))
    profile = ClientProfile(httpProfile=http_profile,
                            language=spec.get("language", "zh-CN"))
    if spec.get("unsigned_payload"):
        profile.unsignedPayload = True
    cred = Credential(spec["secret_id"], spec["secret_key"], spec.get("token"))
    client = CommonClient(spec["service"], spec["version"], cred,
                          spec["region"], profile=profile)
    client.request.send_request = _fake_send_request

    REC.reset()
    _install(ts)
    try:
        client.call_json(spec["action"], spec["params"],
                         options=spec.get("options"))
    finally:
        _uninstall()

    assert len(REC.sent) == 1, "expected exactly one (intercepted) request"
    assert len(REC.sign_calls) == 1, "expected exactly one sign_tc3 call"
    req = REC.sent[0]
    sc = REC.sign_calls[0]
    string_to_sign = sc["string_to_sign"]

    # The canonical request is the SDK's own sha256 input whose digest is the
    # last line of the SDK's string to sign.
    cr_hash = string_to_sign.rsplit("\n", 1)[1]
    matches = [b for b in REC.sha256_inputs
               if _REAL_HASHLIB.sha256(b).hexdigest() == cr_hash]
    assert len(matches) == 1, "canonical request not observed"
    canonical_request = matches[0].decode("utf-8")

    payload = req.data
    assert isinstance(payload, str), "JSON POST bodies are str in the SDK"
    headers_sent = dict(req.header)
    unsigned = headers_sent.get("X-TC-Content-SHA256") == "UNSIGNED-PAYLOAD"
    assert unsigned == bool(spec.get("unsigned_payload"))

    # Consistency checks on what was observed (not a re-implementation).
    hashed_payload = canonical_request.rsplit("\n", 1)[1]
    hashed_src = b"UNSIGNED-PAYLOAD" if unsigned else payload.encode("utf-8")
    assert hashed_payload == _REAL_HASHLIB.sha256(hashed_src).hexdigest()
    assert sc["secret_key"] == spec["secret_key"]
    assert sc["service"] == spec["service"]
    authorization = headers_sent["Authorization"]
    assert authorization.endswith("Signature=" + sc["signature"])

    headers = {}
    for k in sorted(headers_sent, key=lambda s: s.lower()):
        lk = k.lower()
        if lk in _EXCLUDED:
            continue
        if lk.startswith("x-tc-") or lk in ("content-type", "host"):
            headers[lk] = headers_sent[k]

    return {
        "name": spec["name"],
        "description": spec["description"],
        "secret_id": spec["secret_id"],
        "secret_key": spec["secret_key"],
        "token": spec.get("token"),
        "service": spec["service"],
        "version": spec["version"],
        "action": spec["action"],
        "region": spec["region"],
        "host": headers_sent["Host"],
        "timestamp": ts,
        "content_type": headers_sent["Content-Type"],
        "payload": payload,
        "unsigned_payload": unsigned,
        "expected": {
            "canonical_request": canonical_request,
            "string_to_sign": string_to_sign,
            "signature": sc["signature"],
            "authorization": authorization,
            "headers": headers,
        },
    }


# --------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------

def utc(y, mo, d, h=0, mi=0, s=0):
    return calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0))


DOC_ID = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******"
DOC_KEY = "Gu5t9xGARNpq86cd98joQYCN3*******"
SID = "AKIDEXAMPLEsdkvectors0123456789abcdef"
SKEY = "EXAMPLEsecretKEYforSDKvectors012"
TS = 1700000000  # 2023-11-14T22:13:20Z

TEM_EXAMPLE_1 = {
    "ApplicationId": "app-xxxxxx",
    "EnvironmentId": "en-xxxxxx",
    "DeployVersion": "v1",
    "PackageName": "test.jar",
    "From": "IntelliJ",
    "DeployStrategyType": "0",
    "TotalBatchCount": 0,
    "BatchInterval": 0,
    "BetaBatchNum": 0,
    "MinAvailable": 0,
    "Force": True,
}
TEM_EXAMPLE_2 = {
    "EnvironmentId": "env-qgnzgy8r",
    "TotalBatchCount": "2",
    "PackageName": "tem/pkg/1300555551/service-gn54vdy6/1641528220867/hello-world-0.0.1-SNAPSHOT.jar",
    "DeployStrategyType": "AUTO",
    "DeployVersion": "20220107122452",
    "BatchInterval": "60",
    "ApplicationId": "service-gn54vdy6",
    "BetaBatchNum": "1",
}


def compact(obj):
    """What a serde_json-like serializer emits: raw UTF-8, no spaces."""
    return _REAL_JSON.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def pretty4(obj):
    """The documentation's request body layout (examples.json): 4-space indent."""
    return _REAL_JSON.dumps(obj, ensure_ascii=False, indent=4)


def large_params():
    items = []
    for i in range(610):
        items.append({
            "Index": i,
            "Key": "key-%05d" % i,
            "Value": "value-%05d-" % i + ("abcdefghijklmnopqrstuvwxyz0123456789"[i % 36] * 64),
            "Tags": ["t%d" % (i % 7), "u%d" % (i % 11)],
            "Enabled": i % 2 == 0,
        })
    return {"EnvironmentId": "en-large", "Items": items}


def tem(name, description, params, **kw):
    spec = {
        "name": name, "description": description,
        "secret_id": SID, "secret_key": SKEY, "token": None,
        "service": "tem", "version": "2021-07-01",
        "action": "RollingUpdateApplicationByVersion",
        "region": "ap-guangzhou", "timestamp": TS, "params": params,
    }
    spec.update(kw)
    return spec


RU = "RollingUpdateApplicationByVersion"

CASES = [
    # --- Tencent's documented worked example ------------------------------
    {
        "name": "tencent-doc-cvm-describe-instances",
        "description": "Tencent's TC3 documentation worked example (CVM DescribeInstances, timestamp 1551113065 = "
                       "2019-02-26 00:44:25 Beijing but 2019-02-25 UTC) as the current SDK signs it: dict params "
                       "serialized by json.dumps (\\u-escaped), Content-Type application/json without charset, "
                       "signed headers content-type;host. Payload bytes equal the doc's; signature differs from "
                       "the doc because the doc signs 'application/json; charset=utf-8' (see SIGNING.md).",
        "secret_id": DOC_ID, "secret_key": DOC_KEY, "token": None,
        "service": "cvm", "version": "2017-03-12", "action": "DescribeInstances",
        "region": "ap-guangzhou", "timestamp": 1551113065,
        "params": {"Limit": 1, "Filters": [{"Values": [u"\u672a\u547d\u540d"], "Name": "instance-name"}]},
    },
    # --- seed action, both documented example bodies ----------------------
    tem("tem-rolling-update-example-1-sdk-json",
        "Seed action, documentation example 1 (应用部署) passed as a dict; body is the SDK's json.dumps output.",
        TEM_EXAMPLE_1),
    tem("tem-rolling-update-example-2-sdk-json",
        "Seed action, documentation example 2 (部署成功, integers written as strings) passed as a dict; "
        "body is the SDK's json.dumps output.",
        TEM_EXAMPLE_2),
    tem("tem-rolling-update-example-1-doc-body",
        "Seed action, example 1 body exactly as laid out in the documentation (4-space indented, newlines).",
        RawBody(pretty4(TEM_EXAMPLE_1))),
    tem("tem-rolling-update-example-2-doc-body",
        "Seed action, example 2 body exactly as laid out in the documentation (4-space indented, newlines).",
        RawBody(pretty4(TEM_EXAMPLE_2))),
    tem("tem-rolling-update-example-1-compact",
        "Seed action, example 1 as a compact serde_json-style body (no spaces).",
        RawBody(compact(TEM_EXAMPLE_1))),
    tem("tem-rolling-update-example-2-compact",
        "Seed action, example 2 as a compact serde_json-style body (no spaces).",
        RawBody(compact(TEM_EXAMPLE_2))),
    # --- non-ASCII payloads -----------------------------------------------
    tem("payload-chinese-raw-utf8",
        "Chinese text as raw UTF-8 bytes in a compact body (payload hash over UTF-8 bytes).",
        RawBody(compact({"ApplicationId": "app-xxxxxx", "EnvironmentId": "en-xxxxxx",
                         "DeployVersion": "v1", "From": "测试来源：中文描述，含全角标点。"}))),
    tem("payload-chinese-escaped-sdk",
        "Same Chinese text passed as a dict: the SDK's json.dumps emits \\uXXXX escapes (ASCII-only body).",
        {"ApplicationId": "app-xxxxxx", "EnvironmentId": "en-xxxxxx",
         "DeployVersion": "v1", "From": "测试来源：中文描述，含全角标点。"}),
    tem("payload-emoji-raw-utf8",
        "Emoji (4-byte UTF-8, outside the BMP) as raw UTF-8 in a compact body.",
        RawBody(compact({"ApplicationId": "app-xxxxxx", "EnvironmentId": "en-xxxxxx",
                         "DeployVersion": "v1", "From": "deploy 🚀🔥 ok ✅"}))),
    tem("payload-emoji-escaped-sdk",
        "Emoji passed as a dict: the SDK's json.dumps emits UTF-16 surrogate-pair escapes (\\ud83d\\ude80).",
        {"ApplicationId": "app-xxxxxx", "EnvironmentId": "en-xxxxxx",
         "DeployVersion": "v1", "From": "deploy 🚀🔥 ok ✅"}),
    tem("payload-mixed-unicode-raw-utf8",
        "Mixed CJK, emoji with ZWJ/variation selectors, combining accents, RTL and NBSP as raw UTF-8 (pretty body).",
        RawBody(pretty4({"ApplicationId": "app-ünïcødé", "EnvironmentId": "en-环境",
                         "DeployVersion": "v1", "From": "👩‍💻 e\u0301 ❤️ עברית\u00a0日本語"}))),
    # --- structural edge cases --------------------------------------------
    tem("payload-empty-object",
        "Empty object: dict {} serialized by the SDK to '{}'.",
        {}),
    tem("payload-empty-body",
        "Empty body string (payload hash is SHA-256 of zero bytes).",
        RawBody("")),
    tem("payload-nested-arrays-sdk",
        "Nested arrays/objects (including empty ones) serialized by the SDK's json.dumps.",
        {"Matrix": [[1, 2, [3, [4, []]]], [], [{"A": [{"B": [[]]}]}]],
         "Filters": [{"Name": "tag:env", "Values": ["prod", "staging"]}, {"Name": "x", "Values": []}],
         "Empty": {}}),
    tem("payload-nested-arrays-compact",
        "Same nested arrays as a compact serde_json-style body.",
        RawBody(compact({"Matrix": [[1, 2, [3, [4, []]]], [], [{"A": [{"B": [[]]}]}]],
                         "Filters": [{"Name": "tag:env", "Values": ["prod", "staging"]},
                                     {"Name": "x", "Values": []}],
                         "Empty": {}}))),
    tem("payload-large-100kb",
        "About 100 KB body generated deterministically, serialized by the SDK's json.dumps.",
        large_params()),
    tem("payload-json-escapes-sdk",
        "Strings needing JSON escapes (quote, backslash, slash, newline, tab, control char, U+2028) via json.dumps.",
        {"ApplicationId": "app-\"quoted\"", "EnvironmentId": "C:\\path\\to", "DeployVersion": "a/b",
         "From": "line1\nline2\ttab\r\x01\u2028end", "PackageName": "<script>&amp;</script>"}),
    tem("payload-numbers-bools-null-sdk",
        "Numbers (negative, float, exponent, 64-bit), booleans and null as the SDK's json.dumps writes them.",
        {"Int": -42, "Big": 18446744073709551615, "Float": 0.1, "Exp": 1e+100, "Neg": -0.0,
         "T": True, "F": False, "N": None}),
    tem("payload-whitespace-trailing-newline",
        "Body with leading/trailing whitespace and a trailing newline: signed byte-for-byte, not normalized.",
        RawBody("  {\"ApplicationId\": \"app-xxxxxx\"}\n")),
    # --- unsigned payload -------------------------------------------------
    tem("unsigned-payload-example-1",
        "ClientProfile.unsignedPayload=True: X-TC-Content-SHA256: UNSIGNED-PAYLOAD is sent (not signed) and the "
        "hashed payload is SHA-256 of the literal string 'UNSIGNED-PAYLOAD'; the real body is still sent.",
        TEM_EXAMPLE_1, unsigned_payload=True),
    tem("unsigned-payload-empty-object",
        "Unsigned payload with body '{}': same payload hash as any other unsigned request.",
        {}, unsigned_payload=True),
    tem("unsigned-payload-large",
        "Unsigned payload with the ~100 KB body.",
        large_params(), unsigned_payload=True),
    # --- session token ----------------------------------------------------
    tem("session-token",
        "Temporary credentials: X-TC-Token header carries the token; it is not part of the signature.",
        TEM_EXAMPLE_2,
        secret_id="AKIDtmpSTSexample0000000000000000000",
        token="tmp-session-token/+=AbCdEf0123456789_ExampleOnly.Long-Token-Value"),
    tem("session-token-unsigned-empty-region",
        "Token plus unsigned payload plus empty region (no X-TC-Region header).",
        TEM_EXAMPLE_1, region="", unsigned_payload=True,
        token="another-token-value-0123456789"),
    # --- host / endpoint --------------------------------------------------
    tem("host-with-port-ip",
        "HttpProfile.endpoint '127.0.0.1:8443': the SDK keeps the port in the Host header and the canonical "
        "host line.",
        TEM_EXAMPLE_1, endpoint="127.0.0.1:8443"),
    tem("host-with-port-443",
        "HttpProfile.endpoint 'tem.tencentcloudapi.com:443': even the default port is kept verbatim.",
        TEM_EXAMPLE_1, endpoint="tem.tencentcloudapi.com:443"),
    tem("host-from-options-endpoint-port-dropped",
        "call_json options {'Endpoint': 'https://tem.internal.example:8443'}: the SDK takes urlparse().hostname, "
        "so the port is dropped from Host.",
        TEM_EXAMPLE_1, options={"Endpoint": "https://tem.internal.example:8443"}),
    tem("host-regional-endpoint",
        "Regional endpoint tem.ap-shanghai.tencentcloudapi.com set via HttpProfile.endpoint.",
        TEM_EXAMPLE_1, endpoint="tem.ap-shanghai.tencentcloudapi.com", region="ap-shanghai"),
    # --- regions ----------------------------------------------------------
    tem("region-empty",
        "Empty region: the SDK omits X-TC-Region entirely (signature unaffected).",
        TEM_EXAMPLE_1, region=""),
    tem("region-ap-shanghai", "Region ap-shanghai (header only; not signed).", TEM_EXAMPLE_1,
        region="ap-shanghai"),
    tem("region-na-siliconvalley", "Region na-siliconvalley (header only; not signed).", TEM_EXAMPLE_1,
        region="na-siliconvalley"),
    tem("region-eu-frankfurt", "Region eu-frankfurt (header only; not signed).", TEM_EXAMPLE_1,
        region="eu-frankfurt"),
    # --- timestamps / credential-scope date -------------------------------
    tem("ts-day-before-leap-day-last-second",
        "2024-02-28T23:59:59Z: scope date 2024-02-28.", TEM_EXAMPLE_1, timestamp=utc(2024, 2, 28, 23, 59, 59)),
    tem("ts-leap-day-first-second",
        "2024-02-29T00:00:00Z: scope date 2024-02-29 (leap day).", TEM_EXAMPLE_1, timestamp=utc(2024, 2, 29)),
    tem("ts-leap-day-last-second",
        "2024-02-29T23:59:59Z: scope date 2024-02-29.", TEM_EXAMPLE_1, timestamp=utc(2024, 2, 29, 23, 59, 59)),
    tem("ts-after-leap-day",
        "2024-03-01T00:00:00Z: scope date 2024-03-01.", TEM_EXAMPLE_1, timestamp=utc(2024, 3, 1)),
    tem("ts-year-end-last-second",
        "2023-12-31T23:59:59Z: scope date 2023-12-31.", TEM_EXAMPLE_1, timestamp=utc(2023, 12, 31, 23, 59, 59)),
    tem("ts-year-start-first-second",
        "2024-01-01T00:00:00Z: scope date 2024-01-01.", TEM_EXAMPLE_1, timestamp=utc(2024, 1, 1)),
    tem("ts-beijing-next-day-utc-same-day",
        "2024-06-30T16:30:00Z is already 2024-07-01 in Beijing (UTC+8); the scope date must be the UTC "
        "date 2024-06-30.", TEM_EXAMPLE_1, timestamp=utc(2024, 6, 30, 16, 30, 0)),
    tem("ts-zero",
        "Timestamp 0: scope date 1970-01-01, X-TC-Timestamp '0'.", TEM_EXAMPLE_1, timestamp=0),
    tem("ts-2100-new-year",
        "2100-01-01T00:00:00Z (beyond 32-bit time_t).", TEM_EXAMPLE_1, timestamp=utc(2100, 1, 1)),
    tem("ts-2100-feb-28-not-leap",
        "2100-02-28T23:59:59Z; 2100 is not a leap year.", TEM_EXAMPLE_1, timestamp=utc(2100, 2, 28, 23, 59, 59)),
    tem("ts-2100-mar-01-not-leap",
        "2100-03-01T00:00:00Z, the second after 2100-02-28T23:59:59Z.", TEM_EXAMPLE_1, timestamp=utc(2100, 3, 1)),
    tem("ts-year-9999-last-second",
        "9999-12-31T23:59:59Z, the largest timestamp the SDK's datetime.utcfromtimestamp accepts.",
        TEM_EXAMPLE_1, timestamp=utc(9999, 12, 31, 23, 59, 59)),
    # --- secrets ----------------------------------------------------------
    tem("secret-key-special-ascii",
        "Secret key with ASCII punctuation and an inner space (the SDK only rejects leading/trailing spaces).",
        TEM_EXAMPLE_1, secret_key="a+b/c=d!@#$%^&*()_-[]{}|;:'\",.<>?`~ \\end"),
    tem("secret-key-unicode",
        "Non-ASCII secret key: the SDK derives the key from UTF-8 bytes of 'TC3' + key.",
        TEM_EXAMPLE_1, secret_key="密钥-ключ-🔑-clé"),
    tem("secret-key-long",
        "Very long secret key (longer than the SHA-256 block size, so HMAC hashes the key first).",
        TEM_EXAMPLE_1, secret_key="K" * 100 + "0123456789" * 5),
    tem("secret-id-unusual",
        "Secret id with characters that appear verbatim in the Credential= part of Authorization.",
        TEM_EXAMPLE_1, secret_id="AKID-with.dots_and~tilde+plus"),
    # --- other services / versions / actions --------------------------------
    {
        "name": "cvm-describe-zones-empty-body",
        "description": "CVM 2017-03-12 DescribeZones with an empty object body.",
        "secret_id": SID, "secret_key": SKEY, "token": None,
        "service": "cvm", "version": "2017-03-12", "action": "DescribeZones",
        "region": "ap-guangzhou", "timestamp": TS, "params": {},
    },
    {
        "name": "cvm-run-instances-nested",
        "description": "CVM 2017-03-12 RunInstances with nested structures and arrays.",
        "secret_id": SID, "secret_key": SKEY, "token": None,
        "service": "cvm", "version": "2017-03-12", "action": "RunInstances",
        "region": "ap-beijing", "timestamp": TS,
        "params": {"Placement": {"Zone": "ap-beijing-3"}, "ImageId": "img-xxxxxx", "InstanceCount": 2,
                   "InstanceChargeType": "POSTPAID_BY_HOUR",
                   "DataDisks": [{"DiskType": "CLOUD_PREMIUM", "DiskSize": 50}],
                   "TagSpecification": [{"ResourceType": "instance",
                                         "Tags": [{"Key": "项目", "Value": "测试"}]}]},
    },
    {
        "name": "sts-get-caller-identity",
        "description": "STS 2018-08-13 GetCallerIdentity, region ap-guangzhou, empty body.",
        "secret_id": SID, "secret_key": SKEY, "token": None,
        "service": "sts", "version": "2018-08-13", "action": "GetCallerIdentity",
        "region": "ap-guangzhou", "timestamp": TS, "params": {},
    },
    {
        "name": "sts-assume-role",
        "description": "STS 2018-08-13 AssumeRole with a policy document string inside the JSON body.",
        "secret_id": SID, "secret_key": SKEY, "token": None,
        "service": "sts", "version": "2018-08-13", "action": "AssumeRole",
        "region": "ap-shanghai", "timestamp": utc(2025, 1, 1, 0, 0, 1),
        "params": {"RoleArn": "qcs::cam::uin/100000000001:roleName/example",
                   "RoleSessionName": "session-1", "DurationSeconds": 7200,
                   "Policy": "{\"version\":\"2.0\",\"statement\":[{\"effect\":\"allow\",\"action\":[\"name/cos:*\"],"
                             "\"resource\":[\"*\"]}]}"},
    },
    {
        "name": "vpc-describe-vpcs",
        "description": "VPC 2017-03-12 DescribeVpcs with filters.",
        "secret_id": SID, "secret_key": SKEY, "token": None,
        "service": "vpc", "version": "2017-03-12", "action": "DescribeVpcs",
        "region": "ap-guangzhou", "timestamp": TS,
        "params": {"Filters": [{"Name": "vpc-name", "Values": ["default"]}], "Offset": "0", "Limit": "20"},
    },
    {
        "name": "vpc-action-acronym-casing",
        "description": "VPC 2017-03-12 DescribeCcns (mixed-case acronym action name, sent verbatim in X-TC-Action).",
        "secret_id": SID, "secret_key": SKEY, "token": None,
        "service": "vpc", "version": "2017-03-12", "action": "DescribeCcns",
        "region": "", "timestamp": TS, "params": {"Limit": 20},
    },
    {
        "name": "action-lowercase-first-letter",
        "description": "Action passed as 'describeInstances': the SDK upper-cases only the first letter for "
                       "X-TC-Action ('DescribeInstances'). X-TC-Action is not signed, so the signature is unaffected.",
        "secret_id": SID, "secret_key": SKEY, "token": None,
        "service": "cvm", "version": "2017-03-12", "action": "describeInstances",
        "region": "ap-guangzhou", "timestamp": TS, "params": {"Limit": 1},
    },
    tem("tem-describe-applications-en-us",
        "Another TEM action with ClientProfile(language='en-US'): X-TC-Language en-US.",
        {"EnvironmentId": "en-xxxxxx", "Limit": 10, "Offset": 0},
        action="DescribeApplications", language="en-US"),
]


def doc_crosscheck():
    """Feed the documentation's own canonical request (charset content type,
    signed headers content-type;host) to the SDK's Sign.sign_tc3 and return
    the signature, for SIGNING.md. Not part of the vectors."""
    payload = '{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    ph = _REAL_HASHLIB.sha256(payload.encode("utf-8")).hexdigest()
    cr = ("POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\n"
          "content-type;host\n" + ph)
    crh = _REAL_HASHLIB.sha256(cr.encode("utf-8")).hexdigest()
    sts = "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n" + crh
    return ph, crh, _REAL_SIGN.sign_tc3(DOC_KEY, "2019-02-25", "cvm", sts)


def main():
    vectors = [run_vector(c) for c in CASES]
    names = [v["name"] for v in vectors]
    assert len(names) == len(set(names)), "vector names must be unique"
    doc = {
        "generator": "tests/data/gen_signing_vectors.py",
        "sdk": "tencentcloud-sdk-python-common %s" % tencentcloud.__version__,
        "vectors": vectors,
    }
    text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)

    # Summary
    print("wrote %s (%d vectors, %d bytes)" % (OUT, len(vectors), len(text.encode("utf-8"))))
    print("sdk: tencentcloud-sdk-python-common %s, python %s" % (tencentcloud.__version__, sys.version.split()[0]))
    for v in vectors:
        print("  %-44s %-4s %-36s %s %6dB %s" % (
            v["name"], v["service"], v["host"], v["expected"]["string_to_sign"].split("\n")[2][:10],
            len(v["payload"].encode("utf-8")), v["expected"]["signature"][:16]))
    ph, crh, sig = doc_crosscheck()
    print("doc cross-check (charset content type, content-type;host): payload hash %s, "
          "canonical request hash %s, signature %s" % (ph, crh, sig))


if __name__ == "__main__":
    main()
