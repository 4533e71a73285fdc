"""Shared and per-track randomness, keyed by the timeline.

A session shares its transport (wow, flutter), its room and its mains; each track owns its hiss,
its hum's phase and level, and its drift of tone and level. Random streams follow the timeline
position, so a host's pre-roll does not change a bounce.
"""

import numpy as np
import pytest
import stemglue
from signals import max_error_dbfs, music, parity_error_db, sines
from stemglue import _core, reference
from stemglue.analysis import decay_time_s

SAMPLE_RATE = 48000


def silence(seconds: float, channels: int = 2) -> np.ndarray:
    return np.zeros((channels, int(seconds * SAMPLE_RATE)), dtype=np.float32)


@pytest.mark.parametrize("processor_class", [stemglue.Noise, reference.Noise], ids=["native", "reference"])
def test_same_seed_and_track_give_the_same_floor(processor_class):
    first = processor_class(seed=3, track_id=11)(silence(0.5), SAMPLE_RATE)
    assert np.array_equal(first, processor_class(seed=3, track_id=11)(silence(0.5), SAMPLE_RATE))


# White hiss alone: the room tone is the session's (meant to be shared), and pink noise's few
# low-frequency degrees of freedom would make a 10 s correlation estimate too coarse for 0.02.
HISS_ONLY = {"room_db": -120, "hum_db": -120, "hiss_color": 0}


def test_tracks_of_one_session_have_independent_hiss():
    # 10 s of stereo: the correlation of independent floors is ~N(0, 1/sqrt(960000)) = 0.001.
    floors = [
        stemglue.Noise(seed=3, track_id=track, **HISS_ONLY)(silence(10), SAMPLE_RATE).astype(np.float64)
        for track in (1, 2)
    ]
    correlation = np.corrcoef(floors[0].ravel(), floors[1].ravel())[0, 1]
    assert abs(correlation) < 0.02
    # The same track id in another session (seed) is another track too.
    other_session = stemglue.Noise(seed=4, track_id=1, **HISS_ONLY)(silence(10), SAMPLE_RATE).astype(np.float64)
    assert abs(np.corrcoef(floors[0].ravel(), other_session.ravel())[0, 1]) < 0.02


def test_five_stems_floors_add_as_independent_noise():
    """Five stems rendered one by one with one seed: their floors sum about 7 dB above one (10 log10 5),
    not 14 dB as five copies of one floor would."""
    floors = [
        stemglue.Noise(seed=3, track_id=track, **HISS_ONLY)(silence(4), SAMPLE_RATE).astype(np.float64)
        for track in range(5)
    ]
    rise_db = 10 * np.log10(np.mean(np.sum(floors, axis=0) ** 2) / np.mean(floors[0] ** 2))
    assert 6.0 < rise_db < 8.0


def test_tracks_share_the_room_tone():
    tones = [
        stemglue.Noise(seed=3, track_id=track, hiss_db=-120, hum_db=-120, modulation_db=-120)(silence(4), SAMPLE_RATE)
        for track in (1, 2)
    ]
    assert np.array_equal(tones[0], tones[1])


def test_tracks_share_the_transport_but_not_their_tolerances():
    tone = sines(2, SAMPLE_RATE, SAMPLE_RATE, frequency_hz=3150.0, amplitude=0.5)
    transport_only = {"seed": 3, "wow_percent": 0.2, "flutter_percent": 0.1, "tilt_db": 0.0, "gain_db": 0.0}
    one, two = (stemglue.Drift(track_id=track, **transport_only)(tone, SAMPLE_RATE) for track in (1, 2))
    assert np.array_equal(one, two)  # one tape machine: the same wow and flutter on every track
    assert (
        max_error_dbfs(one, stemglue.Drift(**{**transport_only, "seed": 4})(tone, SAMPLE_RATE)) > -40
    )  # another session
    with_tolerances = {**transport_only, "tilt_db": 1.0, "gain_db": 1.0}
    one, two = (stemglue.Drift(track_id=track, **with_tolerances)(tone, SAMPLE_RATE) for track in (1, 2))
    assert max_error_dbfs(one, two) > -60  # each track's tone and level wander on their own


def test_every_track_enters_the_seeds_one_room_through_its_own_input():
    """One seed, one room: the same decay, read by the same listener; each track enters the tail
    through its own input vector, as sources standing apart do, so two tracks' tails differ."""
    impulse = np.zeros((1, SAMPLE_RATE * 2), np.float32)
    impulse[0, 0] = 1.0
    settings = {"mix_percent": 100, "early_percent": 0, "predelay_ms": 0, "seed": 3}
    tails = [stemglue.Room(track_id=track, **settings)(impulse, SAMPLE_RATE)[0] for track in range(1, 9)]
    decays = [decay_time_s(tail, SAMPLE_RATE) for tail in tails]
    assert max(decays) < 1.05 * min(decays)
    # Random +-1 input vectors over 16 lines: the tails correlate as the vectors do, |r| ~ 0.2.
    correlations = [abs(np.corrcoef(a, b)[0, 1]) for i, a in enumerate(tails) for b in tails[i + 1 :]]
    assert np.mean(correlations) < 0.3 and max(correlations) < 0.7
    assert np.array_equal(tails[0], stemglue.Room(track_id=1, **settings)(impulse, SAMPLE_RATE)[0])


def render_engine(engine, audio: np.ndarray, block_size: int = 512) -> np.ndarray:
    return engine.render(np.ascontiguousarray(audio, dtype=np.float32), block_size)


def test_a_bounce_after_preroll_equals_a_fresh_render():
    """A host that runs the plugin over silence while stopped (Ardour: ~2.1 s before an export) and
    then plays from the song's start gets exactly what a fresh render gives: every random stream
    restarts there, and the glue's slow auto-makeup averages (audio state, kept across seeks so a loop
    does not make the level jump) gate out the pre-roll's floor."""
    song = np.concatenate([silence(0.1), music(2, SAMPLE_RATE // 2, SAMPLE_RATE)], axis=1)
    fresh = _core.Engine()
    fresh.prepare(SAMPLE_RATE, 512, 2)
    fresh.set_transport(True, 0)
    expected = render_engine(fresh, song)

    host = _core.Engine()
    host.prepare(SAMPLE_RATE, 512, 2)
    render_engine(host, silence(2.1))  # stopped: free-running
    host.set_transport(True, 0)
    bounce = np.concatenate(
        [render_engine(host, song[:, start : start + 512]) for start in range(0, song.shape[1], 512)], axis=1
    )
    assert np.array_equal(bounce, expected)

    without_the_transport = _core.Engine()  # the old behaviour: keyed by samples since reset
    without_the_transport.prepare(SAMPLE_RATE, 512, 2)
    render_engine(without_the_transport, silence(2.1))
    assert max_error_dbfs(render_engine(without_the_transport, song), expected) > -60


def test_continuous_playback_does_not_reseek():
    engine = _core.Engine()
    engine.prepare(SAMPLE_RATE, 512, 2)
    audio = music(2, 4096, SAMPLE_RATE)
    expected = render_engine(engine, audio)
    engine.reset()
    pieces = []
    for start in range(0, 4096, 512):
        engine.set_transport(True, start)  # the host reports where each block starts
        pieces.append(render_engine(engine, audio[:, start : start + 512]))
    assert np.array_equal(np.concatenate(pieces, axis=1), expected)


# --- playback from the middle of a song ------------------------------------------------------
# Every random value is a pure function of the timeline (draws keyed by sample, wanders by smooth
# random values at control ticks, phases by timeline clocks), and a filtered noise that starts warms
# up over its own memory first. So a render from start_sample is the full render's stretch: bit
# for bit where no filter state is involved, within float32 rounding where one is.

EVERY_COMPONENT = {"hiss_db": -50, "hiss_color": 0.7, "hum_db": -60, "buzz_percent": 50, "room_db": -60}


@pytest.mark.parametrize("start", [4_321, 100_000], ids=["within-pink-memory", "beyond-pink-memory"])
@pytest.mark.parametrize("processor_class", [stemglue.Noise, reference.Noise], ids=["native", "reference"])
def test_a_floor_rendered_from_mid_song_is_the_full_renders_stretch(processor_class, start):
    fx = processor_class(seed=4, track_id=9, modulation_db=-120, **EVERY_COMPONENT)
    full = fx(silence((start + 6000) / SAMPLE_RATE), SAMPLE_RATE)[:, start:]
    part = fx(silence(6000 / SAMPLE_RATE), SAMPLE_RATE, start_sample=start)
    floor_peak_db = max_error_dbfs(full, np.zeros_like(full))
    assert max_error_dbfs(part, full) < floor_peak_db - 120  # about 1 float32 step (measured -137)
    assert max_error_dbfs(part, fx(silence(6000 / SAMPLE_RATE), SAMPLE_RATE)) > floor_peak_db - 20  # another place


@pytest.mark.parametrize(
    "processor_class", [stemglue.Drift, reference.Drift, stemglue.Room, reference.Room], ids=lambda c: c.__module__
)
def test_modulation_rendered_from_mid_song_is_the_full_renders_stretch(processor_class):
    """Music entering at sample 100 000: the same drift and room motion, bit for bit."""
    start, song = 100_000, music(2, 24_000, SAMPLE_RATE)
    drift = {"wow_percent": 0.3, "flutter_percent": 0.2, "tilt_db": 1, "gain_db": 1, "stereo_link_percent": 50}
    fx = processor_class(seed=4, **(drift if "Drift" in processor_class.__name__ else {}))
    full = fx(np.concatenate([silence(start / SAMPLE_RATE), song], axis=1), SAMPLE_RATE)[:, start:]
    np.testing.assert_array_equal(fx(song, SAMPLE_RATE, start_sample=start), full)


def test_the_chain_rendered_from_mid_song_is_the_full_renders_stretch():
    start, song = 100_000, music(2, 24_000, SAMPLE_RATE)
    fx = stemglue.StemGlue(seed=4, track_id=9)
    full = fx(np.concatenate([silence(start / SAMPLE_RATE), song], axis=1), SAMPLE_RATE)[:, start:]
    assert max_error_dbfs(fx(song, SAMPLE_RATE, start_sample=start), full) < -120  # measured -130.5


def test_a_host_playing_from_mid_song_gets_the_full_render():
    """The host path of the same property: stopped (free-running) for a while, then playing from
    sample 100 000, the engine gives what playing the song from its start gives there."""
    start, song = 100_000, music(2, 24_000, SAMPLE_RATE)
    full = _core.Engine()
    full.prepare(SAMPLE_RATE, 512, 2)
    full.set_transport(True, 0)
    expected = render_engine(full, np.concatenate([silence(start / SAMPLE_RATE), song], axis=1))[:, start:]
    host = _core.Engine()
    host.prepare(SAMPLE_RATE, 512, 2)
    render_engine(host, silence(0.5))  # stopped
    pieces = []
    for offset in range(0, song.shape[1], 512):
        host.set_transport(True, start + offset)
        pieces.append(render_engine(host, song[:, offset : offset + 512]))
    assert max_error_dbfs(np.concatenate(pieces, axis=1), expected) < -120


def test_start_sample_is_the_same_for_native_and_reference():
    signal = music(2, 6000, SAMPLE_RATE)
    native = stemglue.StemGlue(seed=7, track_id=2)(signal, SAMPLE_RATE, start_sample=96_000)
    twin = reference.StemGlue(seed=7, track_id=2)(signal, SAMPLE_RATE, start_sample=96_000)
    assert parity_error_db(native, twin) <= -100
    # And the place matters: the same audio at the song's start carries other noise and drift.
    assert max_error_dbfs(native, stemglue.StemGlue(seed=7, track_id=2)(signal, SAMPLE_RATE)) > -80


def test_loops_keep_the_level():
    """A seek (a locate, a loop) re-keys random streams but keeps the audio state, the glue's slow
    makeup included: the level around a loop point does not jump."""
    audio = music(2, 48000, SAMPLE_RATE)
    engine = _core.Engine()
    engine.prepare(SAMPLE_RATE, 512, 2)
    straight = render_engine(engine, audio)
    engine.reset()
    first = render_engine(engine, audio[:, :24064])
    engine.set_transport(True, 0)  # loop back to the start
    looped = np.concatenate([first, render_engine(engine, audio[:, 24064:])], axis=1)
    level = lambda x: 10 * np.log10(np.mean(x.astype(np.float64) ** 2))  # noqa: E731
    assert abs(level(looped[:, 24064:30000]) - level(straight[:, 24064:30000])) < 0.3
