"""Many sessions at once: a catalogue of independent sessions, rendered in worker processes.

Sessions share nothing, so each renders whole in its own process (its stems in one thread there);
the bytes are those of a render on its own. A session whose input is bad is reported and the others
still render, each appearing atomically as render_session writes it. Ctrl-C reaches the workers too:
each removes its unfinished session, and nothing partial is left.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass

from stemglue.audio_io import AudioFileError
from stemglue.session import Session, SessionRendered
from stemglue.session_file import SessionFileError

#: Input errors a session reports in one line; anything else (a bug, a full disk) stops the catalogue.
SESSION_ERRORS = (AudioFileError, SessionFileError, FileExistsError, FileNotFoundError)


@dataclass(frozen=True)
class CatalogueResult:
    """One session's outcome: what it rendered, or the one-line reason it did not."""

    session: Session
    rendered: SessionRendered | None = None
    error: str | None = None


_rendering = False  # in a worker: whether a session is being written
_stopped = None  # in a worker: the catalogue's stop, set at a Ctrl-C: no session starts after it


def _worker_started(stopped) -> None:
    """A worker takes one Ctrl-C (or SIGTERM), and only while it renders: the session's cleanup then
    runs uninterrupted (a terminal's Ctrl-C and this process's forwarding of it both arrive), and an
    idle worker is left to the pool's own shutdown instead of dying with a traceback. A Ctrl-C that
    came while it started (ignored then) is not lost: the catalogue's stop keeps its session from
    starting."""
    global _stopped
    _stopped = stopped

    def interrupted(signum, frame) -> None:
        if _rendering:
            for stop in (signal.SIGINT, signal.SIGTERM):
                signal.signal(stop, signal.SIG_IGN)
            raise KeyboardInterrupt

    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, interrupted)


def _render_one(session: Session) -> CatalogueResult:
    global _rendering
    _rendering = True  # first: a Ctrl-C after the test below interrupts the render
    try:
        if _stopped is not None and _stopped.is_set():
            return CatalogueResult(session, error="interrupted")
        return CatalogueResult(session, rendered=session.render())
    except SESSION_ERRORS as error:
        return CatalogueResult(session, error=str(error))
    finally:
        _rendering = False


def render_catalogue(
    sessions: Sequence[Session], jobs: int = 1, progress: Callable[[float], None] | None = None
) -> list[CatalogueResult]:
    """Render every session, up to ``jobs`` at a time in worker processes (``jobs`` 1: one after
    another in this process); the results in the sessions' order. ``progress`` gets the fraction
    of sessions done."""
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a whole number >= 1; got {jobs!r}")
    results: dict[int, CatalogueResult] = {}

    def done(index: int, result: CatalogueResult) -> None:
        results[index] = result
        if progress is not None:
            progress(len(results) / len(sessions))

    if jobs == 1 or len(sessions) < 2:
        for index, session in enumerate(sessions):
            done(index, _render_one(session))
        return [results[i] for i in range(len(sessions))]

    # spawn: a forked child would inherit this process's threads' locks (a progress bar's, soxr's).
    context = multiprocessing.get_context("spawn")
    others = set(multiprocessing.active_children())
    slots = min(jobs, len(sessions))
    stopped = context.Event()
    workers = ProcessPoolExecutor(slots, mp_context=context, initializer=_worker_started, initargs=(stopped,))
    waiting = iter(enumerate(sessions))
    running: dict[Future, int] = {}
    try:
        # Only as many sessions as workers are handed over at a time: a session queued in the pool
        # could no longer be cancelled, and would start after a Ctrl-C.
        # The workers start here, ignoring Ctrl-C until their handler is in place (a Ctrl-C while
        # they import would print a traceback from each); this process's own is back at once (one
        # in the milliseconds of the spawn itself is lost).
        # (Signal handlers belong to the main thread: a caller in another thread goes without.)
        in_main_thread = threading.current_thread() is threading.main_thread()
        shield = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main_thread else None
        try:
            for index, session in waiting:
                running[workers.submit(_render_one, session)] = index
                if len(running) == slots:
                    break
        finally:
            if in_main_thread:
                signal.signal(signal.SIGINT, shield)
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                done(running.pop(future), future.result())
                for index, session in waiting:
                    running[workers.submit(_render_one, session)] = index
                    break
    except BaseException:
        # Ctrl-C (or a bug): the workers stop as this process does, each removing the session it
        # was writing; sessions not yet handed over never start.
        pool = [child for child in multiprocessing.active_children() if child not in others]
        stopped.set()  # before the signal: a worker it finds idle or starting up starts nothing after
        workers.shutdown(wait=False, cancel_futures=True)
        for child in pool:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGINT)
        for child in pool:
            child.join(timeout=30)
        raise
    workers.shutdown()
    return [results[i] for i in range(len(sessions))]
