"""One processor shared by several threads must give each caller what a single thread gets.

``fx(audio, sample_rate)`` is one call to the user: prepare-or-reset, latency padding and the
render. If only the pieces are locked, a second thread's reset() or prepare() lands in the middle
of the first thread's render and both get silently wrong samples. The expected contract (and fix)
is one lock held for the whole call; a processor may instead refuse concurrent use with a clear
RuntimeError, which this test also accepts, but never wrong output.

Separate instances share nothing and must agree exactly with each other, in parallel.
"""

import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import stemglue
import stemglue.reference
from signals import music

THREADS = 4
RENDERS = 16
ROUNDS = 3  # a race shows in some rounds only; three rounds of 16 make a pass on broken code unlikely


@pytest.fixture(autouse=True)
def frequent_thread_switches():
    """Switch threads every 10 us instead of 5 ms, so the pure-Python reference interleaves too."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(previous)


def render_concurrently(render, count=RENDERS, rounds=ROUNDS):
    """rounds x count calls of render(i) from THREADS threads, each round started together;
    results or exceptions."""
    results = []
    for _ in range(rounds):
        results += render_round(render, count)
    return results


def render_round(render, count):
    start = threading.Barrier(THREADS)

    def call(i):
        if i < THREADS:
            start.wait()
        try:
            return render(i)
        except RuntimeError as error:  # a clear refusal of concurrent use
            return error

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(call, range(count)))


def assert_all_equal_to(expected, results, what):
    refused = [r for r in results if isinstance(r, RuntimeError)]
    wrong = [i for i, r in enumerate(results) if not isinstance(r, RuntimeError) and not np.array_equal(r, expected)]
    assert not wrong, (
        f"{what}: {len(wrong)} of {len(results)} concurrent renders differ from a single-threaded render "
        f"(renders {wrong}; max abs difference "
        f"{max(float(np.max(np.abs(results[i] - expected))) for i in wrong):.3g})"
    )
    assert len(refused) < len(results), f"{what}: every render refused: {refused[0]}"


@pytest.mark.parametrize(
    ("make", "seconds"),
    [
        (lambda: stemglue.StemGlue(seed=7, room_mix_percent=40.0, tube_drive_db=12.0), 0.5),
        (lambda: stemglue.Tube(drive_db=18.0, oversampling=4), 0.5),
        (lambda: stemglue.reference.Tube(drive_db=18.0), 0.05),
    ],
    ids=["StemGlue", "Tube", "reference.Tube"],
)
def test_one_instance_shared_by_threads_gives_every_caller_the_single_threaded_output(make, seconds):
    audio = music(2, int(48000 * seconds), 48000)
    expected = make()(audio, 48000)
    shared = make()
    results = render_concurrently(lambda i: shared(audio, 48000))
    assert_all_equal_to(expected, results, type(shared).__module__ + "." + type(shared).__qualname__)
    # Afterwards the instance is still whole: one more call equals a fresh render.
    assert np.array_equal(shared(audio, 48000), expected)


def test_one_instance_shared_by_threads_with_different_block_sizes():
    """Different block sizes make each call prepare() again: the worst interleaving."""
    audio = music(2, 24000, 48000)
    expected = stemglue.StemGlue(seed=3)(audio, 48000, block_size=512)
    shared = stemglue.StemGlue(seed=3)
    results = render_concurrently(lambda i: shared(audio, 48000, block_size=[512, 64, 1000, 333][i % 4]))
    assert_all_equal_to(expected, results, "stemglue.StemGlue with block sizes 512/64/1000/333")


def test_separate_instances_in_parallel_give_identical_output():
    audio = music(2, 24000, 48000)
    expected = stemglue.StemGlue(seed=11, room_mix_percent=30.0)(audio, 48000)
    instances = [stemglue.StemGlue(seed=11, room_mix_percent=30.0) for _ in range(10)]
    results = render_concurrently(lambda i: instances[i](audio, 48000), count=10, rounds=1)
    assert_all_equal_to(expected, results, "ten separate stemglue.StemGlue instances")
