"""Driving Debian's Ardour 7 headless: `ardour7-lua` (Dummy backend) builds sessions, `ardour7-export` bounces them.

Ardour has no file import in Lua, so a session gets its audio by recording the Dummy backend's input for
a set length; the test then overwrites the recorded take (32-bit float mono WAVs, one per channel) with
its own signal of the same length. Every Ardour process runs with HOME set to a temporary folder whose
~/.vst3 holds a link to the built bundle and a copy of its .vstpreset files, so the user's own ~/.vst3
and Ardour caches are never touched.

Each function below is one Ardour process and one short Lua script (the first one also saves the
snapshots the tests need, which saves an Ardour start-up of ~5 s each). Lua reports back by printing lines
"@key<TAB>value<TAB>..."; a script that does not reach its final "@done" line failed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile
import stemglue
from stemglue.plugin import PRESET_SUBFOLDER, preset_folder

SAMPLE_RATE = 48000
TIMEOUT_S = 120
SCANNER = Path("/usr/lib/ardour7/ardour-vst3-scanner")
TRACK = "in"


def installed() -> bool:
    return shutil.which("ardour7-lua") is not None and shutil.which("ardour7-export") is not None


@dataclass
class ArdourHome:
    """A private HOME for Ardour: ~/.vst3 (the bundle), ~/.config/ardour7, ~/.cache/ardour7."""

    path: Path

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "HOME": str(self.path),
            "XDG_CONFIG_HOME": str(self.path / ".config"),
            "XDG_CACHE_HOME": str(self.path / ".cache"),
        }


def run(
    command: list[str],
    home: ArdourHome,
    cwd: Path,
    extra_env: dict[str, str] | None = None,
    timeout_s: float = TIMEOUT_S,
) -> str:
    result = subprocess.run(
        command,
        cwd=cwd,
        env={**home.env, **(extra_env or {})},
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    output = result.stdout + result.stderr
    if result.returncode in (-signal.SIGABRT, -signal.SIGSEGV):
        raise CrashedProcess(f"{command[0]} crashed ({signal.Signals(-result.returncode).name}):\n{output}")
    if result.returncode != 0:
        raise RuntimeError(f"{command[0]} exited with {result.returncode}:\n{output}")
    return output


class CrashedProcess(RuntimeError):
    """An Ardour process that died of SIGABRT or SIGSEGV (see EXPORT_ATTEMPTS)."""


def install_plugin(home_path: Path) -> ArdourHome:
    """Link the built bundle into a fresh HOME's ~/.vst3 and let Ardour's scanner cache it there."""
    home = ArdourHome(home_path)
    vst3 = home.path / ".vst3"
    vst3.mkdir(parents=True)
    bundle = vst3 / "StemGlue.vst3"
    bundle.symlink_to(stemglue.plugin_path())
    shutil.copytree(preset_folder(), vst3 / PRESET_SUBFOLDER)  # where Ardour looks for presets
    output = run([str(SCANNER), "-f", str(bundle)], home, home.path, {"LD_LIBRARY_PATH": "/usr/lib/ardour7"})
    if "Found Plugin: StemGlue" not in output:
        raise RuntimeError(f"Ardour's VST3 scanner did not find StemGlue:\n{output}")
    return home


# --- Lua ----------------------------------------------------------------------------------------------

START_ENGINE = f"""
assert(not AudioEngine:set_backend("None (Dummy)", "", ""):isnil(), "no Dummy backend")
AudioEngine:set_sample_rate({SAMPLE_RATE})
assert(AudioEngine:start(false) == 0, "engine did not start")
"""

# The StemGlue insert on the track, and its parameters by the names Ardour lists.
PLUGIN_FUNCTIONS = f"""
function stemglue(s)
  local proc = s:route_by_name("{TRACK}"):to_track():nth_plugin(0)
  assert(not proc:isnil() and proc:name() == "StemGlue", "no StemGlue insert")
  return proc
end
function parameter_index(proc, name)
  local plugin = proc:to_insert():plugin(0)
  for i = 0, plugin:parameter_count() - 1 do
    if plugin:parameter_label(i) == name then return i end
  end
  error("Ardour does not list the parameter " .. name)
end
function report_plugin(proc)
  local plugin = proc:to_insert():plugin(0)
  for i = 0, plugin:parameter_count() - 1 do
    if plugin:parameter_is_input(i) and plugin:parameter_is_control(i) then
      local _, d = plugin:get_parameter_descriptor(i, ARDOUR.ParameterDescriptor())
      local value = ARDOUR.LuaAPI.get_processor_param(proc, i, true)
      print(string.format("@parameter\\t%s\\t%.17g\\t%.17g\\t%.17g\\t%s\\t%s", plugin:parameter_label(i), value,
                          d[2].lower, d[2].upper, tostring(d[2].toggled), tostring(d[2].enumeration)))
    end
  end
  print("@latency\\t" .. proc:signal_latency())
end
"""


def lua_table(settings: dict[str, float]) -> str:
    """Plain values keyed by the parameter names Ardour shows."""
    return "{" + ", ".join(f'["{stemglue.parameter(i).name}"] = {float(v)!r}' for i, v in settings.items()) + "}"


def run_lua(home: ArdourHome, work: Path, body: str) -> list[list[str]]:
    script = work / f"script{len(list(work.glob('script*.lua')))}.lua"
    script.write_text(START_ENGINE + PLUGIN_FUNCTIONS + body + '\nclose_session()\nprint("@done")\n')
    output = run(["ardour7-lua", str(script)], home, work)
    if "@done" not in output.splitlines():
        raise RuntimeError(f"{script.name} failed:\n{output}")
    return [line[1:].split("\t") for line in output.splitlines() if line.startswith("@")]


# --- Ardour actions -------------------------------------------------------------------------------------


@dataclass
class PluginReport:
    names: list[str]  # parameters in the order Ardour lists them
    values: dict[str, float]  # plain values, by table id
    ranges: dict[str, tuple[float, float]]  # by name, as Ardour shows them
    kinds: dict[str, tuple[bool, bool]]  # by name: Ardour's ParameterDescriptor toggled and enumeration
    latency_samples: int


def parse_report(lines: list[list[str]]) -> PluginReport:
    parameters = [line[1:] for line in lines if line[0] == "parameter"]
    by_name = {spec.name: spec.id for spec in stemglue.parameters()}
    ((latency,),) = [line[1:] for line in lines if line[0] == "latency"]
    return PluginReport(
        names=[p[0] for p in parameters],
        values={by_name[p[0]]: float(p[1]) for p in parameters if p[0] in by_name},
        ranges={p[0]: (float(p[2]), float(p[3])) for p in parameters},
        kinds={p[0]: (p[4] == "true", p[5] == "true") for p in parameters},
        latency_samples=int(latency),
    )


def lua_save_snapshot(snapshot: str, settings: dict[str, float]) -> str:
    """Set StemGlue's parameters (plain units), save them as a snapshot, and report what the plugin holds."""
    return f"""
print("@snapshot\t{snapshot}")
for name, value in pairs({lua_table(settings)}) do
  assert(ARDOUR.LuaAPI.set_processor_param(proc, parameter_index(proc, name), value), name)
end
ARDOUR.LuaAPI.usleep(100000)  -- let the engine run a few cycles with the new values
report_plugin(proc)
assert(s:save_state("{snapshot}", false, false, false, false, false) == 0, "cannot save {snapshot}")
"""


@dataclass
class Take:
    num_samples: int
    files: list[Path]  # one mono file per channel
    plugin: PluginReport  # the fresh insert, as Ardour lists it
    snapshots: dict[str, PluginReport]


def create_recorded_session(
    home: ArdourHome, work: Path, session: Path, min_samples: int, snapshots: dict[str, dict[str, float]]
) -> Take:
    """A session with one stereo track holding StemGlue, and a take of at least min_samples recorded from
    the Dummy backend's inputs (the Dummy engine runs in real time). The take starts the session range.
    Ardour reports StemGlue's parameters and latency as inserted; the session is saved with them, then
    each of `snapshots` (in one process, which saves Ardour's start-up time) with its settings."""
    lines = run_lua(
        home,
        work,
        f"""
local s = create_session("{session}", "{session.name}", {SAMPLE_RATE})
local track = s:new_audio_track(2, 2, nil, 1, "{TRACK}", ARDOUR.PresentationInfo.max_order,
                                ARDOUR.TrackMode.Normal, true):front()
local proc = ARDOUR.LuaAPI.new_plugin(s, "StemGlue", ARDOUR.PluginType.VST3, "")
assert(not proc:isnil(), "Ardour cannot instantiate StemGlue")
assert(track:add_processor_by_index(proc, 0, nil, true) == 0, "cannot insert StemGlue")
track:rec_enable_control():set_value(1, PBD.GroupControlDisposition.NoGroup)
s:maybe_enable_record(false)
s:request_roll(ARDOUR.TransportRequestSource.TRS_UI)
while s:transport_sample() < {min_samples + SAMPLE_RATE // 10} do ARDOUR.LuaAPI.usleep(10000) end
s:request_stop(false, false, ARDOUR.TransportRequestSource.TRS_UI)
local playlist = track:playlist()
for _ = 1, 500 do
  if not s:transport_rolling() and playlist:n_regions() > 0 then break end
  ARDOUR.LuaAPI.usleep(10000)
end
track:rec_enable_control():set_value(0, PBD.GroupControlDisposition.NoGroup)
report_plugin(proc)
print(string.format("@range\\t%d\\t%d", s:current_start_sample(), s:current_end_sample()))
for region in playlist:region_list():iter() do
  local audio = region:to_audioregion()
  print(string.format("@region\\t%d\\t%d\\t%d", region:position():samples(), region:start():samples(),
                      region:length():samples()))
  for c = 0, audio:n_channels() - 1 do print("@file\\t" .. region:source(c):to_filesource():path()) end
end
assert(s:save_state("", false, false, false, false, false) == 0, "cannot save")
"""
        + "".join(lua_save_snapshot(name, settings) for name, settings in snapshots.items()),
    )
    ((start, end),) = [tuple(map(int, line[1:])) for line in lines if line[0] == "range"]
    regions = [tuple(map(int, line[1:])) for line in lines if line[0] == "region"]
    assert len(regions) == 1, lines
    position, offset, length = regions[0]
    # Keep the bookkeeping trivial: the take is the whole session range and its whole source.
    assert (position, offset, start, end) == (0, 0, 0, length), lines
    assert length >= min_samples, lines
    starts = [i for i, line in enumerate(lines) if line[0] == "snapshot"] + [len(lines)]
    return Take(
        length,
        [Path(line[1]) for line in lines if line[0] == "file"],
        parse_report(lines[: starts[0]]),
        {lines[a][1]: parse_report(lines[a:b]) for a, b in zip(starts, starts[1:], strict=False)},
    )


def replace_take(take: Take, audio: np.ndarray) -> None:
    """Overwrite the recorded files with the test signal (same length, rate and 32-bit float format)."""
    assert audio.shape == (len(take.files), take.num_samples), (audio.shape, take)
    for channel, path in zip(audio, take.files, strict=False):
        info = soundfile.info(path)
        assert (info.samplerate, info.channels, info.frames, info.subtype) == (
            SAMPLE_RATE,
            1,
            take.num_samples,
            "FLOAT",
        )
        soundfile.write(path, channel.astype(np.float32), SAMPLE_RATE, subtype="FLOAT", format=info.format)


def load_snapshot(home: ArdourHome, work: Path, session: Path, snapshot: str) -> PluginReport:
    """Load a saved snapshot in a new Ardour process and report StemGlue's parameters and latency."""
    return parse_report(
        run_lua(
            home,
            work,
            f"""
local s = load_session("{session}", "{snapshot}")
report_plugin(stemglue(s))
""",
        )
    )


# ardour7-export (Debian's 7.3) at times crashes at its end (SIGABRT "double free or corruption" in
# ARDOUR::PortExportChannel::~PortExportChannel, or SIGSEGV), with or without StemGlue in the
# session (1 in 10 exports of a session with no plugin at all, on a 2-core AMD EPYC), and the file
# it wrote then may hold garbage every 2048 samples. An export that crashed, or that wrote samples no
# test session can produce, is discarded and run again. (Under valgrind neither session shows an error.)
# It also hangs at times (seen in CI, and in 1 of 40 exports here): its main thread waits in
# Butler::wait_until_finished, called from Session::start_audio_export, for a butler thread that
# itself waits in Session::butler_transport_work -- Ardour's threads only, nothing of StemGlue's
# on any stack (gdb). An export takes about 2 s here, so one still running after EXPORT_TIMEOUT_S
# has hung: it is killed and run again like a crash.
EXPORT_ATTEMPTS = 8  # it crashed in a third of the exports of StemGlue's sessions here: 0.35^8 < 1e-3
EXPORT_TIMEOUT_S = 30


#: No bounce of the test sessions comes near this (their signal peaks at -6 dBFS and the chain adds
#: a few dB at most): a sample beyond it is the heap corruption behind the crashes above, which
#: glibc does not always catch, so that the export exits 0 with garbage in its file (seen once in
#: CI: +61 dBFS).
IMPLAUSIBLE_SAMPLE = 16.0


def export(home: ArdourHome, work: Path, session: Path, snapshot: str) -> np.ndarray:
    """Bounce the snapshot's session range from the master bus to 32-bit float; (channels, samples)."""
    out = work / f"{snapshot}.wav"
    for attempt in range(1, EXPORT_ATTEMPTS + 1):
        out.unlink(missing_ok=True)
        command = ["ardour7-export", "-b", "float", "-o", str(out), str(session), snapshot]
        try:
            run(command, home, work, timeout_s=EXPORT_TIMEOUT_S)  # on timeout, subprocess.run kills it
            audio, rate = soundfile.read(out, dtype="float32", always_2d=True)
            if not np.all(np.abs(audio) <= IMPLAUSIBLE_SAMPLE):
                raise CrashedProcess(f"ardour7-export wrote samples up to {np.nanmax(np.abs(audio)):.3g} (garbage)")
            break
        except (CrashedProcess, subprocess.TimeoutExpired) as failure:
            if attempt == EXPORT_ATTEMPTS:
                raise
            # Shown in the test summary (pyproject.toml lets this warning through), never silent.
            warnings.warn(
                f"ardour7-export failed and was run again (attempt {attempt}): {failure}", UserWarning, stacklevel=2
            )
    assert rate == SAMPLE_RATE
    return audio.T


def recall_presets(home: ArdourHome, work: Path, session: Path, snapshot: str) -> dict[tuple[str, str], PluginReport]:
    """Load every factory preset into the snapshot's StemGlue, as Ardour lists it twice: the plugin's own
    program (preset URI "VST3-P:<class id>:<number>") and the installed .vstpreset file ("VST3-S:<class
    id>:<name>"). Reports StemGlue after each, by (kind, preset name); kind is "program" or "file"."""
    names = "{" + ", ".join(f'"{preset.name}"' for preset in stemglue.presets()) + "}"
    lines = run_lua(
        home,
        work,
        f"""
local s = load_session("{session}", "{snapshot}")
local proc = stemglue(s)
local plugin = proc:to_insert():plugin(0)
for number, name in ipairs({names}) do
  for _, kind in ipairs({{"program", "file"}}) do
    local uri = kind == "program" and string.format("VST3-P:%s:%04d", plugin:unique_id(), number - 1)
                                   or string.format("VST3-S:%s:%s", plugin:unique_id(), name)
    local preset = plugin:preset_by_uri(uri)
    assert(preset and preset.label == name, "Ardour does not list " .. uri)
    assert(plugin:load_preset(preset), "Ardour cannot load " .. uri)
    ARDOUR.LuaAPI.usleep(100000)  -- a few engine cycles: a program's values come back from process()
    print("@preset\\t" .. kind .. "\\t" .. name)
    report_plugin(proc)
  end
end
""",
    )
    starts = [i for i, line in enumerate(lines) if line[0] == "preset"] + [len(lines)]
    return {(lines[a][1], lines[a][2]): parse_report(lines[a:b]) for a, b in zip(starts, starts[1:], strict=False)}
