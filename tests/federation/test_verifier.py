"""Bulk signature checks: the helper process agrees with checking in place, and its death loses nothing."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from federation import verifier


def checks(n: int) -> list[verifier.Check]:
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes_raw()
    result = []
    for i in range(n):
        message = f"besked {i} – æøå".encode()
        signature = key.sign(message)
        # Every third signature is for another message.
        result.append((raw, signature, message if i % 3 else message + b"!"))
    return result


def test_a_large_batch_goes_to_the_helper_and_gets_the_same_verdicts_as_checking_here():
    batch = checks(verifier.IN_PROCESS_BELOW + 36)
    assert verifier.verify_all(batch) == verifier.verify_here(batch) == [bool(i % 3) for i in range(len(batch))]
    assert verifier._helper is not None and verifier._helper.poll() is None


def test_a_killed_helper_is_replaced_and_no_verdict_is_lost():
    batch = checks(verifier.IN_PROCESS_BELOW)
    verifier.verify_all(batch)
    verifier._helper.kill()
    verifier._helper.wait()
    assert verifier.verify_all(batch) == [bool(i % 3) for i in range(len(batch))]
    assert verifier.verify_all(batch) == [bool(i % 3) for i in range(len(batch))]
    assert verifier._helper.poll() is None


def test_a_helper_is_started_ahead_for_a_large_batch_and_not_for_a_small_one():
    verifier._stop_helper()
    verifier.get_ready(verifier.IN_PROCESS_BELOW - 1)
    assert verifier._helper is None
    verifier.get_ready(verifier.IN_PROCESS_BELOW)
    started = verifier._helper
    assert started is not None and started.poll() is None
    batch = checks(verifier.IN_PROCESS_BELOW)
    assert verifier.verify_all(batch) == [bool(i % 3) for i in range(len(batch))]
    assert verifier._helper is started  # the batch went to the helper started ahead
