"""The bench reads wrk's report: rate, p50/p99 in any unit, errors, CPU per request."""

from __future__ import annotations

from bench.wrk import parse

REPORT = """Running 8s test @ http://127.0.0.1:5000/admin/teams
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   512.30ms  120.11ms   1.20s    70.00%
    Req/Sec    31.20      8.10    50.00     65.00%
  Latency Distribution
     50%  490.12ms
     75%  600.00ms
     90%  700.00ms
     99%    1.10s
  250 requests in 8.02s, 40.00MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:     31.17
Transfer/sec:      4.99MB
"""


def test_a_wrk_report_becomes_figures() -> None:
    result = parse(REPORT, connections=16, seconds=8.0, server_cpu_s=5.0)
    assert result.requests == 250 and result.throughput_rps == 31.17
    assert result.p50_ms == 490.12 and result.p99_ms == 1100.0
    assert result.errors == 7  # 4 non-2xx/3xx + 3 socket errors
    assert result.server_cpu_ms == 20.0


def test_microsecond_latencies_and_no_errors() -> None:
    fast = REPORT.replace("490.12ms", "812.00us").replace("1.10s", "2.50ms")
    fast = fast.replace("  Socket errors: connect 0, read 1, write 0, timeout 2\n", "")
    fast = fast.replace("  Non-2xx or 3xx responses: 4\n", "")
    result = parse(fast, connections=16, seconds=8.0, server_cpu_s=None)
    assert result.p50_ms == 0.812 and result.p99_ms == 2.5
    assert result.errors == 0 and result.server_cpu_ms is None
