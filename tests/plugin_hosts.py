"""Loading the built StemGlue.vst3 in real hosts (pedalboard, DawDreamer)."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass

import numpy as np
import stemglue

SAMPLE_RATE = 48000
BLOCK_SIZE = 512
#: The plugin's program-change parameter (the factory presets), listed after the table's parameters.
PROGRAM_PARAMETER = "Preset"


def load_in_pedalboard():
    import pedalboard

    return pedalboard.load_plugin(str(stemglue.plugin_path()))


def plain_values_from_pedalboard(plugin) -> dict[str, float]:
    """The plugin's current plain values, by table id, read through the host's normalized values."""
    by_name = {spec.name: spec for spec in stemglue.parameters()}
    values = {}
    for parameter in plugin.parameters.values():
        if parameter.name == PROGRAM_PARAMETER:
            continue
        spec = by_name[parameter.name]
        values[spec.id] = spec.from_normalized(parameter.raw_value)
    return values


def set_in_pedalboard(plugin, parameter_id: str, plain: float) -> None:
    spec = stemglue.parameter(parameter_id)
    for parameter in plugin.parameters.values():
        if parameter.name == spec.name:
            parameter.raw_value = spec.to_normalized(plain)
            return
    raise KeyError(parameter_id)


# pedalboard's raw_state is JUCE's VST3 wrapper: b"VC2!", a uint32 length, then XML whose
# <IComponent> holds the component state (IComponent::getState's bytes) in JUCE's own base64: the
# byte count, ".", then 6-bit groups, least significant bits first, from this alphabet.
JUCE_BASE64 = ".ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+"


def component_state_from_pedalboard(raw_state: bytes) -> bytes:
    """The bytes the plugin's getState wrote, out of pedalboard's raw_state."""
    assert raw_state[:4] == b"VC2!", raw_state[:16]
    (length,) = struct.unpack("<I", raw_state[4:8])
    root = ElementTree.fromstring(raw_state[8 : 8 + length].rstrip(b"\0"))
    size, _, digits = root.find("IComponent").text.partition(".")
    bits = sum(JUCE_BASE64.index(digit) << (6 * i) for i, digit in enumerate(digits))
    return bits.to_bytes(int(size), "little")


def pedalboard_state_from_component(state: bytes) -> bytes:
    """A raw_state for pedalboard that makes it call the plugin's setState with these bytes."""
    bits = int.from_bytes(state, "little")
    digits = "".join(JUCE_BASE64[(bits >> (6 * i)) & 63] for i in range((len(state) * 8 + 5) // 6))
    xml = f'<?xml version="1.0" encoding="UTF-8"?> <VST3PluginState><IComponent>{len(state)}.{digits}</IComponent></VST3PluginState>'
    body = xml.encode() + b"\0"
    return b"VC2!" + struct.pack("<I", len(body)) + body


def track_id_of(plugin) -> float:
    """The track id a pedalboard-hosted instance drew (stemglue.StemGlue needs it for parity)."""
    return plain_values_from_pedalboard(plugin)["track_id"]


def stemglue_as_dawdreamer_plays(
    settings: dict[str, float], signal: np.ndarray, sidechain: np.ndarray | None = None
) -> np.ndarray:
    """stemglue.StemGlue's raw (latency-delayed) stream as the plugin gives it in DawDreamer, which
    reports its playing position from 0 but does not compensate latency: the plugin places its input
    at position + latency, where a compensating host (Ardour) feeds it."""
    processor = stemglue.StemGlue(**settings)
    processor.prepare(SAMPLE_RATE, BLOCK_SIZE, signal.shape[0])
    processor.seek(processor.latency_samples)
    blocks = range(0, signal.shape[1], BLOCK_SIZE)
    return np.concatenate(
        [
            processor.process(
                signal[:, start : start + BLOCK_SIZE],
                None if sidechain is None else sidechain[:, start : start + BLOCK_SIZE],
            )
            for start in blocks
        ],
        axis=1,
    )


@dataclass
class DawDreamerRender:
    output: np.ndarray
    plugin: object
    engine: object  # owns the plugin processor: using the plugin after the engine is freed crashes


def render_in_dawdreamer(
    audio: np.ndarray,
    settings: dict[str, float] | None = None,
    *,
    sidechain: np.ndarray | None = None,
    state: str | None = None,
    bpm: float | None = None,
) -> DawDreamerRender:
    """Render audio through the plugin in DawDreamer (at the engine's tempo, or bpm)."""
    import dawdreamer

    engine = dawdreamer.RenderEngine(SAMPLE_RATE, BLOCK_SIZE)
    if bpm is not None:
        engine.set_bpm(bpm)
    source = engine.make_playback_processor("source", audio)
    plugin = engine.make_plugin_processor("stemglue", str(stemglue.plugin_path()))
    if state is not None:
        load_dawdreamer_state(plugin, state)
    for parameter_id, plain in (settings or {}).items():
        index = [spec.id for spec in stemglue.parameters()].index(parameter_id)
        plugin.set_parameter(index, stemglue.parameter(parameter_id).to_normalized(plain))
    graph = [(source, [])]
    inputs = ["source"]
    if sidechain is not None:
        graph.append((engine.make_playback_processor("sidechain", sidechain), []))
        inputs.append("sidechain")
    graph.append((plugin, inputs))
    engine.load_graph(graph)
    engine.render(audio.shape[1] / SAMPLE_RATE)
    return DawDreamerRender(engine.get_audio(), plugin, engine)


def plain_values_from_dawdreamer(plugin) -> dict[str, float]:
    """The plugin's current plain values, by table id, read through DawDreamer's normalized values."""
    return {
        spec.id: spec.from_normalized(plugin.get_parameter(index)) for index, spec in enumerate(stemglue.parameters())
    }


def load_dawdreamer_state(plugin, path_or_bytes) -> None:
    # DawDreamer applies the state, then complains that a plugin without an editor has no UI.
    try:
        plugin.load_state(path_or_bytes)
    except Exception as error:  # noqa: BLE001 - DawDreamer raises a bare Exception here
        if "editor" not in str(error).lower():
            raise
