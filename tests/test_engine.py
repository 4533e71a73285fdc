"""StemGlue, the whole chain: C++ Engine = reference, and its global switches are exact."""

import numpy as np
import pytest
import scipy.signal
import stemglue
from signals import max_error_dbfs, music, noise, parity_error_db
from stemglue import reference

PARITY_DBFS = -100.0


@pytest.mark.parametrize("sample_rate", [44100, 48000, 96000])
@pytest.mark.parametrize("channels", [1, 2])
def test_chain_matches_reference(sample_rate, channels):
    signal = music(channels, sample_rate // 5, sample_rate)
    settings = {"tube_drive_db": 15.0, "mix_percent": 80.0, "output_gain_db": -3.0}
    assert (
        parity_error_db(
            stemglue.StemGlue(**settings)(signal, sample_rate), reference.StemGlue(**settings)(signal, sample_rate)
        )
        <= PARITY_DBFS
    )


def test_each_module_alone_is_the_module_in_its_place_in_the_chain():
    """Humanize -> Bleed -> Room -> Tube -> Drift -> Noise -> Glue (a recording's signal flow): a module alone sees the input delayed
    by the modules before it and is followed by the delay of those after it (drift and noise vary in time, so
    order matters)."""
    signal = music(2, 9600, 48000)
    modules = {
        "humanize": stemglue.Humanize(),
        "bleed": stemglue.Bleed(),
        "room": stemglue.Room(),
        "tube": stemglue.Tube(),
        "drift": stemglue.Drift(),
        "noise": stemglue.Noise(),
        "glue": stemglue.GlueCompressor(),
    }
    assert list(modules) == [info.id for info in stemglue.modules()]
    for module in modules.values():
        module.prepare(48000, 512, 2)
    latencies = {name: module.latency_samples for name, module in modules.items()}
    before = 0
    for name, module in modules.items():
        chain = stemglue.StemGlue(**{f"{other}_enabled": float(other == name) for other in modules})
        output, latency = raw(chain, signal)
        alone = type(module)()(delayed(signal, before), 48000, reset=False)
        after = latency - before - latencies[name]
        assert max_error_dbfs(output, delayed(alone, after)) < -120, name
        # A structural switch (Humanize's, Bleed's): while off, the module's latency is none at all.
        before += latencies[name] if stemglue.parameter(f"{name}_enabled").timing != "on_reset" else 0


def test_switching_mid_stream_matches_reference():
    signal = music(2, 24000, 48000)
    outputs = []
    for chain in (stemglue.StemGlue(tube_drive_db=18), reference.StemGlue(tube_drive_db=18)):
        chain.prepare(48000, 400, 2)
        blocks = []
        for index, start in enumerate(range(0, signal.shape[1], 400)):
            if index == 10:
                chain.set_parameter("tube_enabled", 0)
            if index == 30:
                chain.set_parameter("bypass", 1)
                chain.set_parameter("output_gain_db", 6)
            if index == 45:
                chain.set_parameter("bypass", 0)
            blocks.append(chain.process(signal[:, start : start + 400]))
        outputs.append(np.concatenate(blocks, axis=1))
    assert parity_error_db(*outputs) <= PARITY_DBFS


def raw(chain, signal):
    """The chain's raw stream and its latency."""
    return chain(signal, 48000, reset=False), chain.latency_samples


def delayed(signal, latency):
    return np.concatenate(
        [np.zeros((signal.shape[0], latency), signal.dtype), signal[:, : signal.shape[1] - latency]], axis=1
    )


ALL_MODULES_OFF = {spec.id: 0 for spec in stemglue.parameters() if spec.id.endswith("_enabled")}


@pytest.mark.parametrize("settings", [{"bypass": 1}, {"mix_percent": 0}, ALL_MODULES_OFF])
def test_bypass_mix_zero_and_disabled_modules_give_the_aligned_dry_signal(settings):
    signal = music(2, 9600, 48000)
    output, latency = raw(stemglue.StemGlue(tube_drive_db=30, **settings), signal)
    assert max_error_dbfs(output, delayed(signal, latency)) < -120


def test_bypass_ignores_output_gain_and_latency_stays():
    signal = noise(2, 4800)
    chain = stemglue.StemGlue(bypass=1, output_gain_db=-20, tube_oversampling=8)
    output, latency = raw(chain, signal)
    drift = stemglue.Drift()
    drift.prepare(48000, 512, 2)
    assert latency == stemglue.Tube(oversampling=8).latency_samples + drift.latency_samples  # Humanize is off
    assert max_error_dbfs(output, delayed(signal, latency)) < -120


def test_output_gain_scales_the_whole_output():
    signal = music(2, 9600, 48000)
    loud = stemglue.StemGlue(output_gain_db=0)(signal, 48000)
    quiet = stemglue.StemGlue(output_gain_db=-12)(signal, 48000)
    np.testing.assert_allclose(quiet, loud * 10 ** (-12 / 20), atol=1e-6)


def test_bypass_is_crossfaded_not_switched():
    signal = np.full((1, 48000), 0.5, np.float32)
    chain = stemglue.StemGlue(tube_drive_db=30, tube_bias=0)
    chain.prepare(48000, 4800, 1)
    chain.process(signal[:, :4800])
    chain.set_parameter("bypass", 1)
    step = np.abs(np.diff(chain.process(signal[:, :4800])[0])).max()
    assert step < 0.01  # a 10 ms ramp, not a click


def test_seed_is_a_chain_parameter_applied_at_reset():
    chain = stemglue.StemGlue(seed=12)
    assert chain.seed == 12
    with pytest.raises(ValueError, match="seed"):
        chain.seed = -1


def render_with_change(
    processor, signal: np.ndarray, block_size: int, change_at: int, changes: dict[str, float]
) -> np.ndarray:
    """Stream signal through processor, setting changes before the block that starts at change_at."""
    processor.prepare(48000, block_size, signal.shape[0])
    pieces = []
    for start in range(0, signal.shape[1], block_size):
        if start == change_at:
            for parameter_id, value in changes.items():
                processor.set_parameter(parameter_id, value)
        pieces.append(processor.process(signal[:, start : start + block_size]))
    return np.concatenate(pieces, axis=1)


STRUCTURAL = {"tube_oversampling": 4, "seed": 9, "track_id": 5, "room_size_m": 20.0, "room_predelay_ms": 30.0}


def test_structural_changes_apply_at_a_silent_point_without_a_click():
    signal = music(2, 9600, 48000)
    chain = stemglue.StemGlue()
    before = chain.latency_samples
    output = render_with_change(chain, signal, 64, 3200, STRUCTURAL)
    at_four_times = stemglue.StemGlue(tube_oversampling=4)
    at_four_times.prepare(48000, 64, 2)
    assert chain.latency_samples == at_four_times.latency_samples != before
    fade = 480  # 10 ms at 48 kHz
    # The output dips to silence exactly fade samples after the change, then fades back in.
    assert np.all(output[:, 3200 + fade - 1] == 0)
    assert np.max(np.abs(output[:, 3200 + fade - 48 : 3200 + fade + 48])) < 0.2 * np.max(np.abs(output[:, :3200]))
    # Around the change, no step larger than the largest sample-to-sample step of the music rendered unchanged.
    unchanged = render_with_change(stemglue.StemGlue(), signal, 64, 0, {})
    around = output[:, 3200 : 3200 + 4 * fade]
    assert np.max(np.abs(np.diff(around, axis=1))) <= np.max(np.abs(np.diff(unchanged, axis=1)))


@pytest.mark.parametrize(
    "change", [{"bleed_enabled": 1.0}, {"humanize_enabled": 1.0}, {"tube_oversampling": 8.0}], ids=lambda c: str(c)
)
def test_after_a_structural_change_the_fade_in_starts_when_the_signal_arrives(change):
    """The chain restarts with empty delays: its output is silent for a latency. The fade in waits
    for the signal (it ran over the silence, and the sine came back at full level in one step), and
    the restarted modules hear their input fade in."""
    sine = np.tile(0.3 * np.sin(2 * np.pi * 220 * np.arange(48000) / 48000), (2, 1)).astype(np.float32)
    chain = stemglue.StemGlue()
    output = render_with_change(chain, sine, 64, 24000, change)
    arrival = 24000 + 480 + chain.latency_samples  # fade out, then silence for the new latency
    assert np.all(output[:, 24000 + 480 : arrival] == 0)
    # The fade in starts from silence where the signal arrives: 48 samples in, a tenth of the way.
    assert np.max(np.abs(output[:, arrival : arrival + 48])) < 0.1 * 0.3
    before = np.max(np.abs(np.diff(output[:, 2000:24000], axis=1)))  # the chain's own, before the change
    # The input fades in too: what a module moves later than the latency (Humanize's first hit, up to its
    # 20 ms max shift) comes in without a step (it came in at 0.7 of full level, a step of 0.23).
    assert np.max(np.abs(np.diff(output[:, 24000 : arrival + 2000], axis=1))) <= before
    assert np.max(np.abs(output[:, arrival + 960 :])) > 0.25  # back to full level


def test_structural_changes_do_not_depend_on_block_size_and_match_the_reference():
    signal = music(2, 4800, 48000)
    native = {size: render_with_change(stemglue.StemGlue(), signal, size, 1024, STRUCTURAL) for size in (64, 256, 1024)}
    for size in (256, 1024):
        assert np.array_equal(native[size], native[64]), size
    assert (
        parity_error_db(native[64], render_with_change(reference.StemGlue(), signal, 64, 1024, STRUCTURAL))
        <= PARITY_DBFS
    )


def stream(
    processor, signal: np.ndarray, block_size: int, changes: dict[int, dict[str, float]], seek: int = 0
) -> np.ndarray:
    """Prepare, seek, then process in blocks, setting changes[start] before the block at start."""
    processor.prepare(48000, block_size, signal.shape[0])
    processor.seek(seek)
    pieces = []
    for start in range(0, signal.shape[1], block_size):
        for parameter_id, value in changes.get(start, {}).items():
            processor.set_parameter(parameter_id, value)
        pieces.append(processor.process(signal[:, start : start + block_size]))
    return np.concatenate(pieces, axis=1)


def test_a_module_switched_off_does_not_run_and_restarts_clean():
    signal = music(2, 14336, 48000)
    only_room = {"noise_enabled": 0, "drift_enabled": 0, "tube_enabled": 0, "glue_enabled": 0, "room_mix_percent": 50}
    toggles = {3840: {"room_enabled": 0}, 9600: {"room_enabled": 1}}
    chain = stemglue.StemGlue(**only_room)
    toggled = stream(chain, signal, 128, toggles)
    assert parity_error_db(toggled, stream(reference.StemGlue(**only_room), signal, 128, toggles)) <= PARITY_DBFS
    # The stages after the room delay its output by the chain's latency; the switch fades over 10 ms.
    settled = 480 + chain.latency_samples
    # Faded out: exactly the chain without the room.
    without = stream(stemglue.StemGlue(**only_room, room_enabled=0), signal, 128, {})
    assert np.array_equal(toggled[:, 3840 + settled : 9600], without[:, 3840 + settled : 9600])
    # Back on: a fresh room (no tail from before it went off), keyed where the timeline is, that
    # caught up on the switch's fade (480 samples) of input faded in; its fade starts when it has
    # caught up, 480 samples after the switch.
    faded_in = signal[:, 9600 - 480 :].copy()
    faded_in[:, :480] = (faded_in[:, :480] * (np.arange(1, 481) / 480)).astype(np.float32)
    fresh = stream(stemglue.StemGlue(**only_room), faded_in, 128, {}, seek=9600 - 480)
    assert np.array_equal(toggled[:, 9600 + 480 + settled :], fresh[:, 960 + settled :])
    assert np.array_equal(
        toggled[:, 9600 : 9600 + 480 + chain.latency_samples], without[:, 9600 : 9600 + 480 + chain.latency_samples]
    )


SMOOTHLY_SWITCHED = [
    spec.id for spec in stemglue.parameters() if spec.id.endswith("_enabled") and spec.timing == "smoothed"
]


@pytest.mark.parametrize("switch", SMOOTHLY_SWITCHED)
def test_a_module_switched_on_mid_stream_comes_in_without_a_step(switch):
    """The module restarts caught up on its last latency of input, so its output is there as its 10 ms
    crossfade starts. (Drift, 492 samples late, came in after its fade had ended: a step of 0.31.)"""
    sine = np.tile(0.3 * np.sin(2 * np.pi * 220 * np.arange(36000) / 48000), (2, 1)).astype(np.float32)
    output = render_with_change(stemglue.StemGlue(**{switch: 0}), sine, 64, 24000, {switch: 1})
    always_on = render_with_change(stemglue.StemGlue(), sine, 64, 0, {})
    own = np.max(np.abs(np.diff(always_on[:, 4000:], axis=1)))  # the chain's own largest step (0.0134)
    assert np.max(np.abs(np.diff(output[:, 24000:], axis=1))) <= 1.1 * own  # (drift and noise move it a little)


@pytest.mark.parametrize("switch", SMOOTHLY_SWITCHED)
def test_a_module_switched_on_alone_adds_no_click(switch):
    """Alone on a 0.5 sine, switched off and on again: the output's curvature (second difference) after the
    switch stays the module's own, and no click reaches above 2 kHz. (The room started from a hard step:
    each early reflection clicked, 0.045 against 0.0005, and above 2 kHz -34 dBFS for 40 ms.)"""
    sine = np.tile(0.5 * np.sin(2 * np.pi * 220 * np.arange(4 * 48000) / 48000), (2, 1)).astype(np.float32)
    alone = {other: float(other == switch) for other in SMOOTHLY_SWITCHED}
    output = stream(stemglue.StemGlue(**alone), sine, 128, {96000: {switch: 0}, 144000: {switch: 1}})
    curvature = np.abs(np.diff(output, 2, axis=1))
    assert curvature[:, 144000:].max() <= 1.5 * curvature[:, 48000:96000].max()
    above_2k = scipy.signal.sosfilt(scipy.signal.butter(8, 2000, "hp", fs=48000, output="sos"), output, axis=1)
    steady_db, after_db = (
        20 * np.log10(np.max(np.abs(above_2k[:, part]))) for part in (range(48000, 96000), range(144600, 192000))
    )
    assert after_db < max(-70.0, steady_db + 3.0)  # (the noise floor is above 2 kHz all along)


ONLY_TUBE = {"room_enabled": 0, "drift_enabled": 0, "noise_enabled": 0, "glue_enabled": 0}


def test_a_module_switched_on_again_does_not_depend_on_block_size_and_matches_the_reference():
    """The catch-up (Drift's 492 + 480 samples, the tube's 49 + 480) runs two samples of input in each
    sample's time, so it spans blocks: sixty 16-sample blocks, or part of one of 1600."""
    signal = music(2, 14400, 48000)
    changes = {3200: {"drift_enabled": 0, "tube_enabled": 0}, 9600: {"drift_enabled": 1, "tube_enabled": 1}}
    native = {size: stream(stemglue.StemGlue(tube_drive_db=18), signal, size, changes) for size in (16, 64, 320, 1600)}
    for size in (16, 320, 1600):
        assert np.array_equal(native[size], native[64]), size
    assert parity_error_db(native[64], stream(reference.StemGlue(tube_drive_db=18), signal, 64, changes)) <= PARITY_DBFS


def test_a_module_switched_off_again_before_it_caught_up_never_comes_in():
    """Drift switched on at 9600 and off 64 samples later, inside its catch-up (972 samples): its fade
    never starts, so the output is the chain without it, bit for bit."""
    signal = music(2, 14400, 48000)
    off = {3200: {"drift_enabled": 0}}
    toggled = {**off, 9600: {"drift_enabled": 1}, 9664: {"drift_enabled": 0}}
    for size in (32, 64):
        assert np.array_equal(
            stream(stemglue.StemGlue(), signal, size, toggled), stream(stemglue.StemGlue(), signal, size, off)
        )
    assert (
        parity_error_db(
            stream(stemglue.StemGlue(), signal, 64, toggled), stream(reference.StemGlue(), signal, 64, toggled)
        )
        <= PARITY_DBFS
    )


def test_a_module_catching_up_comes_in_when_planned_across_jumps_of_the_timeline():
    """The tube, switched on at 9600, catches up for 529 samples (its 49 of latency and 480 of fade).
    A jump of the timeline meanwhile re-keys it, and it still comes in then; so it does when the host
    seeks at every block (a position that drifts from the chain's count), which before held it off."""
    signal = music(2, 19200, 48000)
    tube_off = {**ONLY_TUBE, "tube_enabled": 0}

    def render(chain, block_size, switch_on, seeks):
        chain.prepare(48000, block_size, 2)
        blocks = []
        for start in range(0, signal.shape[1], block_size):
            if start == 9600 and switch_on:
                chain.set_parameter("tube_enabled", 1)
            if start in seeks:
                chain.seek(seeks[start])
            blocks.append(chain.process(signal[:, start : start + block_size]))
        return np.concatenate(blocks, axis=1)

    heard = 9600 + 529 + 492  # the fade's start, after the latency of the stages after the tube (Drift's)
    for seeks in ({9856: 40000}, {start: 40000 + start + start // 64 for start in range(9664, 19200, 64)}):
        native = {size: render(stemglue.StemGlue(**tube_off), size, True, seeks) for size in (32, 64)}
        assert np.array_equal(native[32], native[64])
        assert parity_error_db(native[64], render(reference.StemGlue(**tube_off), 64, True, seeks)) <= PARITY_DBFS
        without = render(stemglue.StemGlue(**tube_off), 64, False, seeks)
        assert np.array_equal(native[64][:, :heard], without[:, :heard])
        assert not np.array_equal(native[64][:, heard : heard + 8], without[:, heard : heard + 8])


def test_a_switch_on_cancelled_before_it_came_in_leaves_structural_values_to_a_silent_point():
    """Switched on and off again within its catch-up, the tube then took oversampling 8 at once (a
    reset on every block of its switch's fade from 0 to 0): the wet path's latency moved to 549, the
    dry's stayed 541, and an impulse came out twice. Now the value waits for the switch-on's silent point."""
    only_tube = {**ONLY_TUBE, "mix_percent": 50}
    impulse = np.zeros((2, 24000), np.float32)
    impulse[:, 20000] = 0.5
    changes = {
        4800: {"tube_enabled": 0},
        9600: {"tube_enabled": 1},
        9664: {"tube_enabled": 0},
        9728: {"tube_oversampling": 8},
        14400: {"tube_enabled": 1},
    }
    for chain in (stemglue.StemGlue(**only_tube), reference.StemGlue(**only_tube)):
        output = stream(chain, impulse, 64, changes)
        assert chain.latency_samples == 549
        assert np.flatnonzero(np.abs(output[0]) > 0.05).tolist() == [20000 + 549]


def test_a_module_faded_out_inside_a_block_restarts_whatever_the_block_sizes():
    """Switched off at 9600 (its fade ends at 10080) and on again at 10090: with no block starting
    between, the module ran on; with one starting at 10080, it restarted (Room: -12.6 dBFS apart;
    a review)."""
    signal = music(2, 16000, 48000)
    for module in ("drift", "room", "tube"):
        changes = {9600: {f"{module}_enabled": 0}, 10090: {f"{module}_enabled": 1}}
        outputs = []
        for extra in ({10090}, {10080, 10090}):
            chain = stemglue.StemGlue()
            chain.prepare(48000, 64, 2)
            starts = sorted(set(range(0, 16000, 64)) | extra)
            blocks = []
            for start, end in zip(starts, [*starts[1:], 16000], strict=True):
                for parameter_id, value in changes.get(start, {}).items():
                    chain.set_parameter(parameter_id, value)
                blocks.append(chain.process(signal[:, start:end]))
            outputs.append(np.concatenate(blocks, axis=1))
        assert np.array_equal(*outputs), module


def test_switching_at_22050_hz_matches_the_reference():
    """At 22.05 kHz a 10 ms switch fade is 220.5 samples: C++ rounds it up (std::lround), and the
    reference rounded it to even, 220, so a switched module drifted to -58 dB from C++."""
    signal = music(2, 8820, 22050)
    changes = {2048: {"tube_enabled": 0}, 5120: {"tube_enabled": 1}}
    outputs = []
    for chain in (stemglue.StemGlue(tube_drive_db=18), reference.StemGlue(tube_drive_db=18)):
        chain.prepare(22050, 128, 2)
        blocks = []
        for start in range(0, signal.shape[1], 128):
            for parameter_id, value in changes.get(start, {}).items():
                chain.set_parameter(parameter_id, value)
            blocks.append(chain.process(signal[:, start : start + 128]))
        outputs.append(np.concatenate(blocks, axis=1))
    assert parity_error_db(*outputs) <= PARITY_DBFS


def test_a_module_switched_on_with_a_structural_value_set_while_off_takes_it_at_a_silent_point():
    """Oversampling set while the tube was off changed its latency when it was switched on, but no
    delay after it: the chain's latency moved (541 -> 549) without a fade, and the catch-up of a later
    switch-on read past the history the stage kept (-26.5 dB from the reference; a review)."""
    signal = music(2, 24000, 48000)
    only_tube = ONLY_TUBE
    changes = {
        3200: {"tube_enabled": 0},
        6400: {"tube_oversampling": 8},
        9600: {"tube_enabled": 1},
        12800: {"tube_enabled": 0},
        16000: {"tube_enabled": 1},
    }
    chain = stemglue.StemGlue(**only_tube)
    native = {
        size: stream(chain if size == 64 else stemglue.StemGlue(**only_tube), signal, size, changes)
        for size in (64, 320)
    }
    assert np.array_equal(native[64], native[320])
    assert parity_error_db(native[64], stream(reference.StemGlue(**only_tube), signal, 64, changes)) <= PARITY_DBFS
    at_eight = stemglue.StemGlue(**only_tube, tube_oversampling=8)
    at_eight.prepare(48000, 64, 2)
    assert chain.latency_samples == at_eight.latency_samples
    assert np.all(native[64][:, 9600 + 479] == 0)  # faded out to the silent point, 10 ms after the switch


def test_a_switch_whose_fade_ends_inside_a_block_does_not_depend_on_block_size():
    """The tube's 10 ms (480-sample) fade out starts at sample 4000: it ends inside a 1000- or
    500-sample block and on a 160-sample block's edge. Each block's part of the fade is heard."""
    signal = music(2, 9600, 48000)
    changes = {4000: {"tube_enabled": 0}}
    native = {size: stream(stemglue.StemGlue(tube_drive_db=18), signal, size, changes) for size in (160, 500, 1000)}
    assert np.array_equal(native[500], native[160])
    assert np.array_equal(native[1000], native[160])
    assert (
        parity_error_db(native[1000], stream(reference.StemGlue(tube_drive_db=18), signal, 1000, changes))
        <= PARITY_DBFS
    )


def test_the_humanize_switch_is_structural_and_its_lookahead_counts_only_while_on():
    signal = music(2, 19200, 48000)
    chain = stemglue.StemGlue(humanize_timing_ms=15.0)
    output = render_with_change(chain, signal, 64, 4800, {"humanize_enabled": 1.0})
    humanize, without = stemglue.Humanize(), stemglue.StemGlue()
    humanize.prepare(48000, 64, 2)
    without.prepare(48000, 64, 2)
    assert chain.latency_samples == without.latency_samples + humanize.latency_samples
    fade = 480  # it waits for the silent point, as the other structural values do
    assert np.all(output[:, 4800 + fade - 1] == 0)
    reference_output = render_with_change(
        reference.StemGlue(humanize_timing_ms=15.0), signal, 64, 4800, {"humanize_enabled": 1.0}
    )
    assert parity_error_db(output, reference_output) <= PARITY_DBFS


def test_the_chain_hears_the_sidechain_through_bleed_alone():
    """With only Bleed on, the chain is Bleed; with the whole chain on, the C++ and the reference
    hear the sidechain alike; with Bleed off, the sidechain changes nothing."""
    signal, other = music(2, 9600, 48000), noise(2, 9600, seed=5)
    only_bleed = {**ALL_MODULES_OFF, "bleed_enabled": 1, "bleed_distance_m": 1.3}
    assert np.array_equal(
        stemglue.StemGlue(**only_bleed)(signal, 48000, sidechain=other),
        stemglue.Bleed(distance_m=1.3)(signal, 48000, sidechain=other),
    )
    everything = {"bleed_enabled": 1, "humanize_enabled": 1, "humanize_timing_ms": 10.0}
    native = stemglue.StemGlue(**everything)(signal, 48000, sidechain=other)
    assert parity_error_db(native, reference.StemGlue(**everything)(signal, 48000, sidechain=other)) <= PARITY_DBFS
    assert np.array_equal(stemglue.StemGlue()(signal, 48000, sidechain=other), stemglue.StemGlue()(signal, 48000))


def test_the_sidechain_stays_aligned_behind_a_lookahead():
    """Humanize's lookahead delays the channel; the sidechain is delayed with it, so the bleed
    lands where it would without Humanize (a still Humanize is a pure delay)."""
    still = {"humanize_timing_ms": 0, "humanize_band_drift_ms": 0, "humanize_dynamics_db": 0, "humanize_accent_db": 0}
    other = np.zeros((1, 9600), np.float32)
    other[0, 3000] = 1.0
    silent = np.zeros((1, 9600), np.float32)
    base = {**ALL_MODULES_OFF, "bleed_enabled": 1, "bleed_distance_m": 2.0}
    without = stemglue.StemGlue(**base)(silent, 48000, sidechain=other)
    behind = stemglue.StemGlue(**{**base, "humanize_enabled": 1, **still})
    assert np.array_equal(behind(silent, 48000, sidechain=other), without)
    assert np.max(np.abs(without)) > 0.05  # 0.3 m / 2 m, cardioid at 90 degrees: -22.5 dB


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1e9, 1e9, 16.0, -1.0])
def test_the_core_makes_every_value_legal(value):
    """Any value reaching the C++ core is made legal by its row (the Python API rejects them first)."""
    from stemglue import _core

    engine = _core.Engine()
    for spec in stemglue.parameters():
        engine.set_parameter(spec.id, value)
        held = engine.get_parameter(spec.id)
        assert spec.min <= held <= spec.max and np.isfinite(held), (spec.id, held)
        if spec.kind == "choice":
            assert held in spec.choices
    engine.prepare(48000, 256, 2)
    out = engine.render(noise(2, 4096), 256)
    assert np.all(np.isfinite(out))


@pytest.mark.parametrize(
    ("parameter_id", "value"), [("output_gain_db", -12.0), ("tube_enabled", 0.0), ("mix_percent", 40.0)]
)
def test_a_value_sent_again_at_every_block_changes_nothing(parameter_id, value):
    """Hosts re-send automation at every block (DawDreamer does): each re-send restarted the ramp, so a
    10 ms glide to -12 dB took 104 ms in 512-sample blocks and 146 ms in 64 (a tryout), and a switched-off
    tube was still at -21 dB after its 10 ms fade."""
    signal = music(2, 9600, 48000)
    once = {3200: {parameter_id: value}}
    every_block = {start: {parameter_id: value} for start in range(3200, 9600, 64)}
    for chain_class in (stemglue.StemGlue, reference.StemGlue):
        assert np.array_equal(stream(chain_class(), signal, 64, every_block), stream(chain_class(), signal, 64, once))
