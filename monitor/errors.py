"""The one exception tree of Pledgewatch.

    PledgewatchError
    ├── ConfigError        a bad configuration or statements file
    ├── FetchError         HTTP fetching failed; ``kind`` is a stable name
    │   └── AddressRefused the address guard refused the URL
    ├── FeedError          bytes that are no usable feed
    ├── ExtractError       a page with no extractable article text
    ├── EncoderError       a model that cannot be loaded or run
    ├── StorageError       the database refused an operation
    └── DeliveryError      a digest could not be written or mailed

Library exceptions are translated once, where the library is wrapped.
"""

from __future__ import annotations


class PledgewatchError(Exception):
    """Base of every error Pledgewatch raises on purpose."""


class ConfigError(PledgewatchError):
    """A configuration or statements file is missing or invalid."""


class FetchError(PledgewatchError):
    """A URL could not be fetched; ``kind`` names the failure (timeout, http_404, too_large...)."""

    def __init__(
        self, kind: str, url: str, detail: str = "", retry_after: float | None = None
    ) -> None:
        self.kind = kind
        self.url = url
        self.detail = detail
        self.retry_after = retry_after  # seconds the server asked us to wait (429/503)
        super().__init__(f"{kind}: {url}" + (f" ({detail})" if detail else ""))


class AddressRefused(FetchError):
    """The URL resolves to an address the guard does not allow."""

    def __init__(self, url: str, detail: str) -> None:
        super().__init__("address_refused", url, detail)


class FeedError(PledgewatchError):
    """Bytes that feedparser could not turn into any entry or title."""

    kind = "not_a_feed"


class ExtractError(PledgewatchError):
    """A page from which no article text could be extracted; ``kind`` names why."""

    def __init__(self, message: str, kind: str = "no_article_text") -> None:
        self.kind = kind
        super().__init__(message)


def failure(exc: FetchError | FeedError | ExtractError) -> str:
    """``kind (detail)``: how a run, a feed's health and an article record a failure."""
    if isinstance(exc, FetchError):
        return f"{exc.kind} ({exc.detail})" if exc.detail else exc.kind
    return f"{exc.kind} ({exc})"


class EncoderError(PledgewatchError):
    """A sentence encoder that cannot be loaded or run."""


class StorageError(PledgewatchError):
    """The database refused an operation."""


class DeliveryError(PledgewatchError):
    """A digest file could not be written, or the SMTP server did not take the message."""
