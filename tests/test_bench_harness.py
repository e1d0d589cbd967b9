"""The benchmark harness's pure parts: percentiles, reading wrk's report and the access log,
the forms a page would post, and the multipart body of an upload."""

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


def test_spread_is_median_p95_and_max():
    assert harness.spread([3.0, 1.0, 2.0]) == (2.0, 3.0, 3.0)
    assert harness.spread([float(v) for v in range(1, 21)]) == (10.5, 19.0, 20.0)


def test_served_times_reads_microseconds_after_an_offset(tmp_path):
    log = tmp_path / "access.log"
    log.write_text("GET /login 200 1500\n")
    start = harness.log_offset(log)
    with log.open("a") as out:
        out.write("GET /a 200 2000\nPOST /b 302 250000\n")
    assert harness.served_times(log, start) == [0.002, 0.25]
    assert harness.served_times(log, path="/b") == [0.25]
    assert harness.log_offset(tmp_path / "none.log") == 0
    assert harness.served_times(tmp_path / "none.log") == []


PREVIEW = """
<form method="post" action="/search"><input name="q" value="x"></form>
<form method="post" action="/manage/roster/apply">
  <input type="hidden" name="csrf_token" value="abc&amp;1">
  <input type="hidden" name="token" value="T0k3n">
  <label><input type="checkbox" name="only_good_rows" value="1"> 只导入</label>
  <input type="checkbox" name="notify" value="yes" checked>
  <input type="file" name="file">
  <button type="submit" class="button wide">确认导入</button>
</form>
"""


def test_form_fields_are_what_the_form_sends_untouched():
    fields = harness.form_fields(PREVIEW, "/manage/roster/apply")
    assert fields == [("csrf_token", "abc&1"), ("token", "T0k3n"), ("notify", "yes")]
    assert harness.form_fields(PREVIEW, "/search") == [("q", "x")]
    with pytest.raises(harness.Failed, match="/nowhere"):
        harness.form_fields(PREVIEW, "/nowhere")


def test_multipart_carries_fields_and_files():
    body, content_type = harness.multipart(
        [("csrf_token", "t")], [("file", "名册.csv", b"PK\x03\x04")], boundary="B"
    )
    assert content_type == "multipart/form-data; boundary=B"
    assert body.startswith(b'--B\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\nt\r\n')
    assert 'name="file"; filename="名册.csv"'.encode() in body
    assert b"Content-Type: text/csv" in body
    assert body.endswith(b"\r\nPK\x03\x04\r\n--B--\r\n")
