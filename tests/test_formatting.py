"""Numbers in their shortest form and moments in the school's time zone, everywhere alike."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from school.formatting import (
    decimal_text,
    format_hours,
    local_date,
    local_datetime,
    shortest,
    size_text,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("0.500"), "0.5"),
        (Decimal("2.00"), "2"),
        (Decimal("10"), "10"),  # normalize() alone makes it 1E+1
        (Decimal("1E+2"), "100"),
        (Decimal("-2.250"), "-2.25"),
        (Decimal("-0.0"), "0"),
        (Decimal("0.00001"), "0.00001"),
    ],
)
def test_decimals_are_written_in_their_shortest_form(value, text):
    assert decimal_text(value) == text
    assert shortest(value) == value
    assert str(shortest(value)) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "0"), (0, "0"), (1, "1"), (0.5, "0.5"), (0.1, "0.1"), (Decimal("32.0"), "32")],
)
def test_hours_have_no_trailing_zeros(value, text):
    assert format_hours(value) == text


def test_moments_read_as_the_schools_local_date_and_time(app):
    moment = datetime(2025, 1, 1, 16, 30, tzinfo=UTC)  # 00:30 the next day in Beijing
    with app.app_context():
        assert local_date(moment) == "2025-01-02"
        assert local_datetime(moment) == "2025-01-02 00:30"
        assert local_date(None) == local_datetime(None) == ""


def test_sizes_read_in_whole_units_from_ten_and_with_one_decimal_below():
    assert size_text(5 * 1024 * 1024) == "5 MB"
    assert size_text(1536 * 1024) == "1.5 MB"
    assert size_text(66_684) == "65 KB"
    assert size_text(1536) == "1.5 KB"
    assert size_text(900) == "900 字节"
