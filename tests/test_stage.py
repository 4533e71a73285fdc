"""Stage layouts: roles from file names, placements, and a bleed matrix that Bleed renders as stated."""

import numpy as np
import pytest
import stemglue
from stemglue.reference.bleed import SPEED_OF_SOUND, pattern_gain
from stemglue.stage import LAYOUTS, PATTERNS, WALL_DB, bleed_matrix, guess_role, place, room_source_percent

BAND = {"kick": "kick", "snare": "snare", "hat": "hat", "bass": "bass", "guitar": "guitar", "vocal": "vocal"}


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("Kick_In", "kick"),
        ("snare top", "snare"),
        ("HiHat", "hat"),
        ("OH L", "overheads"),
        ("Drum Room", "room"),
        ("drums", "drums"),
        ("Bass DI", "bass"),
        ("gtr-rhythm", "guitar"),
        ("Lead Vox", "vocal"),
        ("vocal_double", "vocal"),
        ("Synth Pad", "keys"),
        ("piano", "keys"),
        ("riser_fx", "fx"),
        ("stem 7", "keys"),
        ("Tom1", "tom"),  # these four were keys (a tryout)
        ("808", "bass"),
        ("BGV", "vocal"),
        ("Clap", "drums"),
    ],
)
def test_roles_come_from_file_names(name, role):
    assert guess_role(name) == role


def test_every_ordered_pair_is_in_the_matrix_with_the_bleed_models_numbers():
    placements = place(BAND)
    pairs = bleed_matrix(placements)
    assert {(p.source, p.into) for p in pairs} == {(a, b) for a in BAND for b in BAND if a != b}
    for pair in pairs:
        mic = placements[pair.into].mic_m
        distance = np.linalg.norm(np.asarray(placements[pair.source].source_m) - mic)
        assert pair.distance_m == pytest.approx(distance, abs=1e-3)
        assert pair.delay_ms == pytest.approx(
            max(0, distance - pair.source_distance_m) / SPEED_OF_SOUND * 1e3, abs=1e-3
        )
        gain = pair.source_distance_m / distance * abs(pattern_gain(pair.pattern, pair.angle_deg))
        assert pair.level_db == pytest.approx(20 * np.log10(gain), abs=0.02)
        assert 0 <= pair.angle_deg <= 180


def test_close_drums_bleed_like_a_real_kit():
    """Hi-hat into the snare mic: about +0.7 ms and -15 to -25 dB (dsp-facts: -15.6 dB, +0.73 ms
    by inverse square; a cardioid pointing away takes more); the vocal mic hears the drums far down."""
    pairs = {(p.source, p.into): p for p in bleed_matrix(place(BAND))}
    hat_in_snare = pairs[("hat", "snare")]
    assert 0.3 < hat_in_snare.delay_ms < 1.5
    assert -30 < hat_in_snare.level_db < -12
    assert pairs[("snare", "vocal")].level_db < hat_in_snare.level_db - 6
    assert pairs[("snare", "vocal")].delay_ms > 5


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_overheads_and_room_mics_hear_the_band_but_bleed_into_no_close_mic(layout):
    """An ambient mic's stem is what it heard of the kit: as a source 3.5 m from its own mic it went
    into the snare mic at +20.6 dB and the toms' at +23.3 (a tryout's snare came out 11 LU louder)."""
    roles = BAND | {"overheads": "overheads", "room": "room"}
    pairs = {(p.source, p.into): p for p in bleed_matrix(place(roles, layout))}
    assert not [pair for pair in pairs if pair[0] in ("overheads", "room")]
    for ambient in ("overheads", "room"):  # they hear every source, below its own close mic
        assert {source for source, into in pairs if into == ambient} == set(roles) - {ambient, "overheads", "room"}
        assert max(pair.level_db for (_, into), pair in pairs.items() if into == ambient) < 0
    assert len(pairs) == len(BAND) * (len(roles) - 1)


def test_booth_walls_take_off_their_isolation_and_leave_the_drum_room_alone():
    open_room = {(p.source, p.into): p.level_db for p in bleed_matrix(place(BAND, "band-room"))}
    booths = {(p.source, p.into): p.level_db for p in bleed_matrix(place(BAND, "iso-booths"))}
    assert booths[("kick", "snare")] == open_room[("kick", "snare")]
    assert booths[("guitar", "vocal")] == pytest.approx(open_room[("guitar", "vocal")] + WALL_DB)
    assert booths[("snare", "bass")] == pytest.approx(open_room[("snare", "bass")] + WALL_DB)


def test_stems_sharing_a_role_stand_apart():
    placements = place({"kick": "kick", "kick 2": "kick"})
    assert placements["kick 2"].source_m[0] == pytest.approx(placements["kick"].source_m[0] + 1.0)
    with pytest.raises(ValueError, match="unknown layout"):
        place(BAND, "stadium")
    assert set(LAYOUTS) == {"band-room", "drum-kit", "iso-booths"}
    assert set(PATTERNS.values()) <= {1.0, 0.7, 0.5, 0.37, 0.25, 0.0}


def test_a_pair_rendered_by_bleed_arrives_as_the_matrix_says():
    pair = next(p for p in bleed_matrix(place(BAND)) if (p.source, p.into) == ("hat", "snare"))
    sidechain = np.zeros((1, 16384), np.float32)
    sidechain[0, 1000] = 1.0
    response = stemglue.Bleed(**pair.bleed_settings())(np.zeros((1, 16384), np.float32), 48000, sidechain=sidechain)[0]
    spectrum = np.abs(np.fft.rfft(response.astype(np.float64)))
    frequencies = np.fft.rfftfreq(len(response), 1 / 48000)
    low = (frequencies > 50) & (frequencies < 500)
    assert 10 * np.log10(np.mean(spectrum[low] ** 2)) == pytest.approx(pair.level_db, abs=0.5)
    assert abs(np.argmax(np.abs(response)) - (1000 + pair.delay_ms * 48)) <= 1.0


def test_room_positions_follow_the_stage():
    assert room_source_percent((4.0, 2.88, 1.0), 8.0) == pytest.approx(
        {"room_source_x_percent": 50.0, "room_source_y_percent": 50.0}
    )
    assert room_source_percent((100.0, -3.0, 1.0), 8.0) == {"room_source_x_percent": 95.0, "room_source_y_percent": 5.0}
