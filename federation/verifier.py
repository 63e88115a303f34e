"""Ed25519 verification of many signatures at once, in a helper process when there are many.

A pull checks hundreds of signatures per page. Each Ed25519 verify releases the
GIL, but a thread doing them one by one must take the GIL back after every
signature and so waits behind the thread storing the previous page; measured
here, that halves the verify rate. A separate process has no GIL to share, so
large batches go to one long-lived helper process: `python -m federation.verifier`,
which imports nothing but `cryptography` and answers batches over its stdin and
stdout (length-prefixed pickles; it is our own child, so pickle is safe here).
Small batches, the usual poll, are cheaper to check in place.

Asked to, the helper also runs the anonymisation guard's first scan over the
items whose signatures verified (federation/guard_scan.py, which it loads in a
background thread as it starts) and answers which texts it found clean; the
storing process uses that only for exactly the same texts, and scans everything
else itself.
"""

from __future__ import annotations

import atexit
import pickle
import struct
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, BinaryIO

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

if TYPE_CHECKING:
    from node.privacy.guard import Scanned

# Below this many signatures, sending them to the helper costs more than it saves.
IN_PROCESS_BELOW = 64

# (raw 32-byte public key, signature, signed bytes)
Check = tuple[bytes, bytes, bytes]

_lock = threading.Lock()
_helper: subprocess.Popen | None = None


def verify_all(checks: list[Check]) -> list[bool]:
    """For each (public key, signature, message): does the signature verify?"""
    return verify_and_scan(checks, scan=False)[0]


def verify_and_scan(checks: list[Check], scan: bool = True) -> tuple[list[bool], frozenset[Scanned]]:
    """verify_all, and with `scan` the guard's verdicts from the helper: the (strict, text) it found clean.

    Checked in this process (a small batch, or the helper failed), nothing is scanned: the set is empty,
    and the guard scans every item where it stores them.
    """
    if len(checks) < IN_PROCESS_BELOW:
        return verify_here(checks), frozenset()
    with _lock:
        try:
            helper = _running_helper()
            _send(helper.stdin, (checks, scan))
            verdicts, clean = _receive(helper.stdout)
            return verdicts, clean
        except (OSError, EOFError, pickle.UnpicklingError, struct.error, TypeError, ValueError):
            _stop_helper()  # it died or cannot start: check here, and start a new one next time
    return verify_here(checks), frozenset()


def verify_here(checks: list[Check]) -> list[bool]:
    """verify_all in this process (also what the helper process runs)."""
    keys: dict[bytes, Ed25519PublicKey] = {}
    results = []
    for raw_key, signature, message in checks:
        key = keys.get(raw_key) or keys.setdefault(raw_key, Ed25519PublicKey.from_public_bytes(raw_key))
        try:
            key.verify(signature, message)
            results.append(True)
        except InvalidSignature:
            results.append(False)
    return results


def get_ready(batch: int) -> None:
    """Start the helper now if a batch of this size will need it, so that it starts while the batch is on its way."""
    if batch >= IN_PROCESS_BELOW:
        with _lock:
            try:
                _running_helper()
            except OSError:
                pass  # verify_all tries again, and checks in this process if it cannot start either


def _running_helper() -> subprocess.Popen:
    global _helper
    if _helper is None or _helper.poll() is not None:
        _helper = subprocess.Popen([sys.executable, "-m", "federation.verifier"], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE)
    return _helper


def _stop_helper() -> None:
    global _helper
    if _helper is not None:
        _helper.kill()
        _helper.wait()
        _helper = None


def _send(stream: BinaryIO, value: object) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack(">I", len(data)) + data)
    stream.flush()


def _receive(stream: BinaryIO) -> object:
    header = stream.read(4)
    if len(header) < 4:
        raise EOFError("the helper closed its output")
    (size,) = struct.unpack(">I", header)
    return pickle.loads(stream.read(size))


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    """The helper's loop: verify (and perhaps scan) each batch that arrives, until the parent closes the pipe."""
    scanner = _Scanner()
    scanner.clean([])  # begin loading the guard at once: a pull asks for scans from its first page
    while True:
        try:
            checks, scan = _receive(requests)
        except EOFError:
            return
        verdicts = verify_here(checks)
        _send(answers, (verdicts, scanner.clean([c[2] for c, ok in zip(checks, verdicts) if ok]) if scan
                        else frozenset()))


class _Scanner:
    """The guard's scan in the helper, from the moment its modules and word lists are loaded.

    Loading them takes about half a second of CPU (the translations the guard's messages use
    bring Flask along), which the first pages of a pull must not wait for: they are loaded in a
    thread from the first call, and until then batches come back without verdicts, so the
    storing process scans those items itself.
    """

    def __init__(self) -> None:
        self._clean_texts: Callable[[list[bytes]], frozenset[Scanned]] | None = None
        self._loading: threading.Thread | None = None

    def clean(self, signed: list[bytes]) -> frozenset[Scanned]:
        """The texts among these signed payloads that the guard's first scan finds clean; none while loading."""
        if self._clean_texts is not None:
            return self._clean_texts(signed)
        if self._loading is None:
            self._loading = threading.Thread(target=self._load, name="vidensnet-guard-loading", daemon=True)
            self._loading.start()
        return frozenset()

    def _load(self) -> None:
        from federation.guard_scan import clean_texts, load_word_lists

        load_word_lists()
        self._clean_texts = clean_texts


atexit.register(_stop_helper)

if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
