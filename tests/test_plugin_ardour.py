"""The built StemGlue.vst3 inside Debian's Ardour 7, headless: listed parameters, reported latency,
state through save and reload, bounces compared with stemglue.StemGlue, and the factory presets
recalled from Ardour's preset list."""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import stemglue
from ardour_host import (
    SAMPLE_RATE,
    ArdourHome,
    PluginReport,
    create_recorded_session,
    export,
    install_plugin,
    installed,
    load_snapshot,
    recall_presets,
    replace_take,
)
from signals import max_error_dbfs, music

pytestmark = pytest.mark.skipif(not installed(), reason="Ardour 7 (ardour7-lua, ardour7-export) is not installed")

PARITY_DBFS = -100.0
SIGNAL_SAMPLES = 72000  # 1.5 s: silence, an impulse, then the demo mix; zeros to the end of the take
IMPULSE_AT = 4800
MUSIC_FROM = 24000
# The export's first samples are Ardour's, not the plugin's: 257 zeros, then a gain ramp over ~1,000
# samples. The test signal is silent there; what the plugin adds to silence (noise) is compared after it.
EXPORT_FADE_IN = 4096

# Randomness switched off for the settings snapshot (the default bounce checks it is keyed by the timeline).
WITHOUT_RANDOMNESS = {
    "noise_enabled": 0.0,
    "drift_enabled": 0.0,
    "room_modulation_percent": 0.0,
    "tube_drive_db": 15.0,
}  # and one value changed, to survive save and reload
# Humanize on top, following Ardour's tempo (a new session's 120 bpm) and musical position.
HUMANIZED = WITHOUT_RANDOMNESS | {
    "humanize_enabled": 1.0,
    "humanize_timing_ms": 10.0,
    "humanize_dynamics_db": 2.0,
    "humanize_accent_db": 4.0,
}
ARDOUR_TEMPO_BPM = 120.0


def ardour_signal(num_samples: int) -> np.ndarray:
    signal = np.zeros((2, num_samples), np.float32)
    signal[:, IMPULSE_AT] = 0.5
    signal[:, MUSIC_FROM:SIGNAL_SAMPLES] = music(2, SIGNAL_SAMPLES - MUSIC_FROM, SAMPLE_RATE)
    return signal


@dataclass
class ArdourSession:
    home: ArdourHome
    root: Path
    session: Path
    signal: np.ndarray  # what the take holds
    defaults: PluginReport  # the fresh insert
    saved: PluginReport  # after WITHOUT_RANDOMNESS, saved as the snapshot "settings"
    humanized: PluginReport  # after HUMANIZED, saved as the snapshot "humanize"
    bounces: dict[str, np.ndarray] = field(default_factory=dict)

    def bounce(self, snapshot: str) -> np.ndarray:
        """ardour7-export of a snapshot, once per module (two exports of one session are bit-identical)."""
        if snapshot not in self.bounces:
            self.bounces[snapshot] = export(self.home, self.root, self.session, snapshot)
        return self.bounces[snapshot]


@pytest.fixture(scope="module")
def ardour(tmp_path_factory) -> ArdourSession:
    """One recorded session whose take is replaced by the test signal, plus its snapshot 'settings'."""
    root = tmp_path_factory.mktemp("ardour")
    home = install_plugin(root / "home")
    session = root / "session"
    snapshots = {"settings": WITHOUT_RANDOMNESS, "humanize": HUMANIZED}
    take = create_recorded_session(home, root, session, SIGNAL_SAMPLES, snapshots)
    signal = ardour_signal(take.num_samples)
    replace_take(take, signal)
    return ArdourSession(
        home, root, session, signal, take.plugin, take.snapshots["settings"], take.snapshots["humanize"]
    )


def expected_output(signal: np.ndarray, settings: dict[str, float]) -> np.ndarray:
    """stemglue.StemGlue on the values Ardour reports (parameters it does not list keep their defaults)."""
    return stemglue.StemGlue(**settings)(signal, SAMPLE_RATE)


def latency_samples(settings: dict[str, float]) -> int:
    processor = stemglue.StemGlue(**settings)
    processor.prepare(SAMPLE_RATE, 512, 2)
    return processor.latency_samples


def impulse_peak(audio: np.ndarray) -> list[int]:
    window = slice(IMPULSE_AT - 1000, IMPULSE_AT + 1000)
    return list(IMPULSE_AT - 1000 + np.argmax(np.abs(audio[:, window]), axis=1))


def test_every_parameter_is_listed(ardour):
    listed = ardour.defaults.names
    table = [spec.name for spec in stemglue.parameters()]
    missing = [name for name in table if name not in listed]
    assert not missing, f"Ardour does not list {missing}"
    assert listed == table
    for spec in stemglue.parameters():
        assert ardour.defaults.ranges[spec.name] == pytest.approx((spec.min, spec.max), rel=1e-6)
        if spec.id != "track_id":  # each instance may draw its own
            assert ardour.defaults.values[spec.id] == pytest.approx(spec.default, rel=1e-5, abs=1e-6), spec.id


def test_reported_latency_is_the_measured_delay(ardour):
    assert ardour.defaults.latency_samples == latency_samples(ardour.defaults.values)
    assert ardour.saved.latency_samples == latency_samples(ardour.saved.values)
    # Ardour delays everything else by the latency the plugin reports. The plugin's real delay is that
    # latency plus how late the bounced impulse peaks (stemglue.StemGlue's compensated output peaks at
    # the input's position).
    assert impulse_peak(expected_output(ardour.signal, ardour.saved.values)) == [IMPULSE_AT] * 2
    measured = [ardour.saved.latency_samples + peak - IMPULSE_AT for peak in impulse_peak(ardour.bounce("settings"))]
    assert measured == [ardour.saved.latency_samples] * 2


def test_changed_parameters_survive_save_and_reload(ardour):
    for parameter_id, plain in WITHOUT_RANDOMNESS.items():
        assert ardour.saved.values[parameter_id] == pytest.approx(plain, abs=1e-4)
    reloaded = load_snapshot(ardour.home, ardour.root, ardour.session, "settings")
    assert reloaded.values == ardour.saved.values
    assert reloaded.latency_samples == ardour.saved.latency_samples


def test_bounce_without_randomness_equals_stemglue(ardour):
    output = ardour.bounce("settings")
    error = max_error_dbfs(output, expected_output(ardour.signal, ardour.saved.values))
    assert error <= PARITY_DBFS, f"bounce differs from stemglue.StemGlue by {error:.1f} dBFS"
    assert (
        max_error_dbfs(output, expected_output(ardour.signal, ardour.defaults.values)) > -60
    )  # the settings did change it


def test_default_bounce_equals_stemglue(ardour):
    """Noise, drift and room modulation follow Ardour's timeline: Ardour runs the plugin on ~2.1 s of
    silence before the first exported sample (102,631 samples here), stopped, then plays from -latency."""
    output = ardour.bounce(ardour.session.name)[:, EXPORT_FADE_IN:]
    expected = expected_output(ardour.signal, ardour.defaults.values)[:, EXPORT_FADE_IN:]
    error = max_error_dbfs(output, expected)
    assert error <= PARITY_DBFS, f"bounce differs from stemglue.StemGlue by {error:.1f} dBFS"


def test_humanize_follows_ardours_tempo_and_position(ardour):
    """With its own tempo at 0, Humanize takes Ardour's: accents and beat-keyed offsets land as
    stemglue.StemGlue places them at 120 bpm from the start of the timeline."""
    values = ardour.humanized.values
    assert values["humanize_enabled"] == 1.0 and values["humanize_tempo_bpm"] == 0.0
    output = ardour.bounce("humanize")[:, EXPORT_FADE_IN:]
    expected = expected_output(ardour.signal, values | {"humanize_tempo_bpm": ARDOUR_TEMPO_BPM})[:, EXPORT_FADE_IN:]
    error = max_error_dbfs(output, expected)
    assert error <= PARITY_DBFS, f"bounce differs from stemglue.StemGlue by {error:.1f} dBFS"
    # and the tempo mattered: without one the offsets are keyed by event count, with no accents
    assert max_error_dbfs(output, expected_output(ardour.signal, values)[:, EXPORT_FADE_IN:]) > -60


@pytest.fixture(scope="module")
def recalled(ardour) -> dict:
    return recall_presets(ardour.home, ardour.root, ardour.session, "settings")


def test_every_preset_is_listed_and_recalled_as_program_and_as_file(ardour, recalled):
    assert set(recalled) == {(kind, p.name) for kind in ("program", "file") for p in stemglue.presets()}
    kept = {key: ardour.saved.values[key] for key in ("bypass", "seed", "track_id")}
    for (kind, name), report in recalled.items():
        expected = stemglue.StemGlue.from_preset(name, **kept).parameter_values
        assert report.values == pytest.approx(expected, rel=1e-5, abs=1e-4), (kind, name)
        assert report.latency_samples == latency_samples(expected), (kind, name)


def test_hum_frequency_is_a_toggle_between_50_and_60_hz_in_ardour(ardour, recalled):
    """Ardour 7.3 cannot show a VST3 parameter as a list: VST3PI::get_parameter_descriptor
    (libs/ardour/vst3_plugin.cc) sets `desc.toggled = 1 == p.steps` and `desc.enumeration = p.is_enum`,
    and VST3Plugin::get_parameter_descriptor then calls desc.update_steps(), which clears enumeration
    when there are no scale points (libs/ardour/parameter_descriptor.cc) -- and VST3Plugin has no
    get_scale_points. So a two-entry list (stepCount 1 + kIsList) is a toggle there whatever its flags.
    It toggles between the right frequencies, and a preset that sets 60 Hz recalls as 60 Hz."""
    name = stemglue.parameter("noise_hum_hz").name
    assert ardour.defaults.kinds[name] == (True, False)  # toggled, not an enumeration
    assert ardour.defaults.ranges[name] == (50.0, 60.0)
    assert ardour.defaults.values["noise_hum_hz"] == 50.0
    assert stemglue.preset("guitar").values["noise_hum_hz"] == 60.0
    assert recalled[("program", "guitar")].values["noise_hum_hz"] == 60.0
    assert recalled[("file", "guitar")].values["noise_hum_hz"] == 60.0
