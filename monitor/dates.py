"""Date strings from feeds and pages -> timezone-aware UTC (the only module that imports
dateparser), and the days people type in commands and the web view (parse_day).

The standard forms are read first and exactly: ISO 8601 / RFC 3339, then RFC 822 / 2822 (what
RSS asks for). Whatever is left goes to dateparser, which knows day and month names in some
200 languages ("Seg, 24 Set 2018 19:42:40 -0300"), set up so that it never fills in or invents
a part: a string without a day, a month and a year, or a relative one ("3 hours ago", which
depends on when it is read), is no date. A time without a zone is read in the zone given (the
feed's configured one), not as UTC.
"""

from __future__ import annotations

import email.utils
import re
import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dateparser

# dateparser keeps state between calls (its language detection and caches): one call at a
# time, as feeds are parsed in several threads.
_lock = threading.Lock()


def parse_date(value: str | None, zone: str = "UTC") -> datetime | None:
    """The moment a date string names, in UTC; a time without a zone is read in ``zone`` (an
    IANA name). None when the string does not name a full date."""
    text = " ".join((value or "").split())
    if not text:
        return None
    parsed = _iso(text) or _rfc2822(text) or _localised(text)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(zone))
    return parsed.astimezone(UTC)


def _iso(text: str) -> datetime | None:
    """ISO 8601 / RFC 3339 ("2018-09-18T14:38:10Z", "2018-09-18 14:38:10", "2018-09-18")."""
    try:
        return datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None


def _rfc2822(text: str) -> datetime | None:
    """RFC 822 / 2822 with English names ("Mon, 24 Sep 2018 19:42:40 -0300"). A zone name the
    standard does not define (MSK, CET) is left to dateparser, which knows more of them."""
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None and text.rsplit(" ", 1)[-1].isalpha():
        return _localised(text) or parsed
    return parsed


# Absolute dates only ("yesterday" depends on when it is read, a bare number may be anything),
# and a day, a month and a year must all be there: no part is taken from today. Without a
# TIMEZONE setting dateparser returns a naive time for a string that names no zone (as its
# documentation says): parse_date reads it in the feed's zone, as it does the standard forms.
_SETTINGS = {
    "PARSERS": ["custom-formats", "absolute-time"],
    "STRICT_PARSING": True,
    "PREFER_DATES_FROM": "past",
}


def _localised(text: str) -> datetime | None:
    """Day and month names in any language dateparser knows."""
    try:
        with _lock:
            return dateparser.parse(text, settings=_SETTINGS)
    except (ValueError, OverflowError, TypeError):  # a date past the calendar's range
        return None


# What people type for a day: an ISO day, or relative to today (7d: seven days ago, 2w: two weeks).
_RELATIVE = re.compile(r"^(\d{1,5})\s*([dw])$")
_NAMED = {"today": 0, "yesterday": 1}
DAY_FORMS = "a day like 2025-05-09, today, yesterday, 7d (days ago) or 2w (weeks ago)"


def parse_day(
    value: str | None, *, end: bool = False, today: date | None = None
) -> datetime | None:
    """A day typed by a person as UTC midnight (``end``: the midnight after it, for an inclusive
    --until); relative forms count back from ``today`` (default: today in UTC). ValueError
    naming the accepted forms when it is none of them."""
    text = (value or "").strip().lower()
    if not text:
        return None
    today = today or datetime.now(UTC).date()
    relative = _RELATIVE.match(text)
    if text in _NAMED:
        day = today - timedelta(days=_NAMED[text])
    elif relative:
        count, unit = int(relative.group(1)), relative.group(2)
        day = today - timedelta(days=count * (7 if unit == "w" else 1))
    else:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{value!r} is not {DAY_FORMS}") from None
    midnight = datetime.combine(day, time.min, UTC)
    return midnight + timedelta(days=1) if end else midnight
