"""The benchmark harness's pure parts: percentiles and reading wrk's report."""

import math

import pytest

from bench import harness

WRK_OUTPUT = """\
Running 5s test @ http://127.0.0.1:40000/
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.03ms    4.10ms  61.20ms   80.00%
    Req/Sec   330.12     20.00   400.00     70.00%
  1650 requests in 5.00s, 1.20MB read
Requests/sec:    330.00
Transfer/sec:    245.00KB
BENCH-WRK {"requests": 1650, "duration_us": 5000000, "connect": 0, "read": 2, "write": 0, \
"status": 3, "timeout": 1, "p50": 11500, "p90": 17000, "p99": 40250, "max": 61200}
"""


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert harness.percentile(values, 50) == 50
    assert harness.percentile(values, 99) == 99
    assert harness.percentile(values, 100) == 100
    assert harness.percentile([7.0], 99) == 7
    assert math.isnan(harness.percentile([], 50))


def test_ms_formats_seconds():
    assert harness.ms(0.0042) == "4.2"
    assert harness.ms(0.1234) == "123"
    assert harness.ms(math.nan) == "-"


def test_parse_wrk_reads_the_report_line():
    result = harness.parse_wrk(WRK_OUTPUT)
    assert result.requests == 1650
    assert result.rate == pytest.approx(330.0)
    assert result.errors == 3  # read + timeout; a bad status is counted apart
    assert result.bad_status == 3
    assert result.p50 == pytest.approx(0.0115)
    assert result.p99 == pytest.approx(0.04025)
    assert result.max == pytest.approx(0.0612)


def test_parse_wrk_without_the_report_line_says_so():
    with pytest.raises(ValueError, match="BENCH-WRK"):
        harness.parse_wrk("Requests/sec: 330.00\n")


def test_the_lua_report_prints_what_parse_wrk_reads():
    # wrk's done() hook writes the keys parse_wrk expects.
    for key in ("requests", "duration_us", "connect", "timeout", "status", "p50", "p99", "max"):
        assert f'"{key}"' in harness.WRK_REPORT
