"""Loading the built StemGlue.vst3 in real hosts (pedalboard, DawDreamer)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import stemglue

SAMPLE_RATE = 48000
BLOCK_SIZE = 512


def load_in_pedalboard():
    import pedalboard

    return pedalboard.load_plugin(str(stemglue.plugin_path()))


def plain_values_from_pedalboard(plugin) -> dict[str, float]:
    """The plugin's current plain values, by table id, read through the host's normalized values."""
    by_name = {spec.name: spec for spec in stemglue.parameters()}
    values = {}
    for parameter in plugin.parameters.values():
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


@dataclass
class DawDreamerRender:
    output: np.ndarray
    plugin: object
    engine: object  # owns the plugin processor: using the plugin after the engine is freed crashes


def render_in_dawdreamer(audio: np.ndarray, settings: dict[str, float] | None = None, *, sidechain: np.ndarray | None = None,
                         state: str | None = None) -> DawDreamerRender:
    """Render audio through the plugin in DawDreamer."""
    import dawdreamer

    engine = dawdreamer.RenderEngine(SAMPLE_RATE, BLOCK_SIZE)
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


def load_dawdreamer_state(plugin, path_or_bytes) -> None:
    # DawDreamer applies the state, then complains that a plugin without an editor has no UI.
    try:
        plugin.load_state(path_or_bytes)
    except Exception as error:  # noqa: BLE001 - DawDreamer raises a bare Exception here
        if "editor" not in str(error).lower():
            raise
