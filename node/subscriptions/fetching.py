"""Fetching an external feed over HTTP: conditional requests, a timeout and a size limit."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

# Names the software, so a source's operator can see who fetches and how often.
USER_AGENT = "Vidensnet/0.1 (feed ingest of a Vidensnet node)"
TIMEOUT_SECONDS = (5, 20)  # connect, read
MAX_FEED_BYTES = 5 * 1024 * 1024
ACCEPT = "application/atom+xml, application/rss+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1"


class FeedUnavailable(Exception):
    """The feed could not be fetched; the message says why, in Danish, for the admin."""


@dataclass(frozen=True)
class FetchedFeed:
    """A 200 answer: the body, and the validators to send next time."""

    content: bytes
    content_type: str
    etag: str | None
    last_modified: str | None


def fetch_feed(url: str, etag: str | None, last_modified: str | None) -> FetchedFeed | None:
    """GET the feed, conditionally; None when the server says it has not changed (304)."""
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    host = urlsplit(url).netloc
    try:
        with requests.get(url, headers=headers, timeout=TIMEOUT_SECONDS, stream=True) as response:
            if response.status_code == 304:
                return None
            if response.status_code != 200:
                raise FeedUnavailable(f"{host} svarede HTTP {response.status_code} i stedet for et feed")
            content = _read_limited(response)
            return FetchedFeed(content, response.headers.get("Content-Type", ""),
                               response.headers.get("ETag"), response.headers.get("Last-Modified"))
    except requests.Timeout:
        raise FeedUnavailable(f"{host} svarede ikke inden for {TIMEOUT_SECONDS[1]} sekunder") from None
    except requests.ConnectionError:
        raise FeedUnavailable(f"kunne ikke forbinde til {host}") from None
    except requests.RequestException as exc:
        raise FeedUnavailable(f"kunne ikke hente feedet fra {host} ({type(exc).__name__})") from None


def _read_limited(response: requests.Response) -> bytes:
    # A feed that never ends (or a misconfigured download) must not fill the node's memory.
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > MAX_FEED_BYTES:
            raise FeedUnavailable(f"feedet er større end {MAX_FEED_BYTES // (1024 * 1024)} MB")
        chunks.append(chunk)
    return b"".join(chunks)
