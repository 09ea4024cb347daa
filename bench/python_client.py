#!/usr/bin/env python3
"""The official Python SDK's side of `bench/compare.sh` (run by the comparison benchmark).

    python_client.py sign ROUNDS ITERATIONS        median ns per TC3 signature of the 318-byte body
    python_client.py calls HOST:PORT N             CPU µs per sequential keep-alive call
    python_client.py one HOST:PORT                 one call; peak RSS in KiB

Each prints one JSON object. Calls go to the local keep-alive server of the benchmark over
plain HTTP with the SDK's keep-alive session, as the Rust clients do.
"""

import json
import os
import resource
import sys
import time

from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile


def client(endpoint):
    from tencentcloud.tem.v20210701 import tem_client

    http = HttpProfile(protocol="http", endpoint=endpoint, keepAlive=True)
    return tem_client.TemClient(credential.Credential("AKIDexample", "secret"), "ap-guangzhou", ClientProfile(httpProfile=http))


def seed_request():
    from tencentcloud.tem.v20210701 import models

    request = models.RollingUpdateApplicationByVersionRequest()
    request.ApplicationId = "app-xxxxxx"
    request.EnvironmentId = "en-xxxxxx"
    request.DeployVersion = "v1"
    request.PackageName = "test.jar"
    return request


def call(c, request):
    reply = c.RollingUpdateApplicationByVersion(request)
    assert reply.Result == "revision-xxx", reply


def sign(rounds, iterations, body):
    # The SDK's own signing step (canonical request, string to sign, key derivation, HMAC) and
    # the Authorization header, on a request whose JSON body is already serialized.
    from tencentcloud.common.http.request import RequestInternal

    c = client("tem.tencentcloudapi.com")
    req = RequestInternal("tem.tencentcloudapi.com", "POST", "/", {
        "Content-Type": "application/json", "Host": "tem.tencentcloudapi.com", "X-TC-Timestamp": "1700000000"}, body)
    medians = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        for _ in range(iterations):
            signature = c._get_tc3_signature({}, req, "2023-11-14", "tem", "secret")
            auth = "TC3-HMAC-SHA256 Credential=%s/%s/%s/tc3_request, SignedHeaders=content-type;host, Signature=%s" % (
                "AKIDexample", "2023-11-14", "tem", signature)
        medians.append((time.perf_counter_ns() - start) / iterations)
    assert len(auth) > 100
    medians.sort()
    return {"ns": medians[len(medians) // 2]}


def main():
    # On the CPU the benchmark gives (its clients on one CPU, its servers on another).
    if "TEM_BENCH_CPU" in os.environ:
        os.sched_setaffinity(0, {int(os.environ["TEM_BENCH_CPU"])})
    mode = sys.argv[1]
    if mode == "sign":
        body = sys.stdin.read()
        print(json.dumps(sign(int(sys.argv[2]), int(sys.argv[3]), body)))
    elif mode == "calls":
        c, request = client(sys.argv[2]), seed_request()
        call(c, request)  # connect and warm up
        n = int(sys.argv[3])
        start = time.process_time_ns()
        for _ in range(n):
            call(c, request)
        print(json.dumps({"cpu_ns_per_call": (time.process_time_ns() - start) / n}))
    elif mode == "one":
        call(client(sys.argv[2]), seed_request())
        print(json.dumps({"max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
