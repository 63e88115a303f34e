"""The browser tier: real pages of real nodes in Debian's Chromium, checked with axe-core."""

from tests.helpers.browser import browser  # noqa: F401  (the session-wide Chromium fixture)
