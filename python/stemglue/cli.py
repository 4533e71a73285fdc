"""The `stemglue` command."""

from __future__ import annotations

import argparse
import difflib
import math
import os
import shlex
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import soundfile

from stemglue import __version__
from stemglue._parameters import parameters
from stemglue._presets import preset, presets
from stemglue._processor import MAX_SAMPLE_RATE, MIN_SAMPLE_RATE
from stemglue.audio_io import AudioFileError, atomic_output, check_output_path, write_audio

if TYPE_CHECKING:
    from stemglue.session import SessionRendered

EXIT_USAGE_OR_INPUT = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C'd command
EXIT_TERMINATED = 143  # 128 + SIGTERM
#: Largest processing block. Memory grows about 1.5 GB per million samples of block (every module
#: and the oversampler allocate per-block buffers), so 65536 keeps it near 100 MB; larger blocks
#: render no faster, and the output does not depend on the block size anyway.
MAX_BLOCK_SIZE = 65536
#: Longest demo: it renders in memory (about 20 MB per minute), and ten minutes is plenty to listen.
MAX_DEMO_SECONDS = 600.0


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line (the usage of `render` lists every parameter: pages, not a line)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE_OR_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[override]
        # A command's unknown option is reported by the command's parser, so the error points at its
        # --help (stemglue render --help), where its options are listed, not at stemglue --help.
        namespace, unknown = super().parse_known_args(args, namespace)
        if unknown and self._subparsers is None:
            self.error(f"unrecognized arguments: {' '.join(unknown)}{self._nearest_option(unknown)}")
        return namespace, unknown

    def _nearest_option(self, unknown: list[str]) -> str:
        """' (did you mean --tube-drive-db?)' for the first unknown option that nearly names one."""
        for token in unknown:
            if token.startswith("--"):
                close = difflib.get_close_matches(token.split("=")[0], list(self._option_string_actions), 1, 0.75)
                if close:
                    return f" (did you mean {close[0]}?)"
        return ""


def _tempo(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of beats per minute") from None
    if not 20.0 <= value <= 300.0:  # Humanize's tempo range, so a suggested session file renders
        raise argparse.ArgumentTypeError(f"{text} bpm: give 20 to 300")
    return value


def _whole_number(low: int, high: int | None = None):
    """An argparse type: a whole number in [low, high] (no upper bound without high)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number; got {text!r}") from None
        if value < low or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f"{low} or more"
            raise argparse.ArgumentTypeError(f"must be {bounds}; got {value}")
        return value

    return parse


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds; got {text!r}") from None
    if not (math.isfinite(value) and 0 < value <= MAX_DEMO_SECONDS):
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most {MAX_DEMO_SECONDS:g} seconds; got {text}")
    return value


def _preset_name(text: str) -> str:
    try:
        return preset(text).name
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _add_parameter_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--preset",
        type=_preset_name,
        default=None,
        metavar="NAME",
        help="start from a factory preset (see `stemglue presets`); parameter options given as well win",
    )
    group = parser.add_argument_group("parameters (plain units; see `stemglue parameters`)")
    for spec in parameters():
        # argparse %-formats help strings: a unit of "%" must be written "%%".
        help_text = f"{spec.name} ({spec.legal_values()}; default {spec.default:g})".replace("%", "%%")
        group.add_argument(
            f"--{spec.id.replace('_', '-')}",
            dest=spec.id,
            type=_switch if spec.kind == "toggle" else float,
            default=None,
            metavar="VALUE",
            help=help_text,
        )


_SWITCH_WORDS = {"true": 1.0, "yes": 1.0, "on": 1.0, "false": 0.0, "no": 0.0, "off": 0.0}


def _switch(text: str) -> float:
    """A switch's value: 0 or 1, or a word for it (true/false, yes/no, on/off)."""
    word = text.strip().lower()
    if word in _SWITCH_WORDS:
        return _SWITCH_WORDS[word]
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not 0, 1, true, false, yes, no, on or off") from None


def _chosen_parameters(arguments: argparse.Namespace) -> dict[str, float]:
    """The preset's values (if one is named), then every parameter option given."""
    chosen = dict(preset(arguments.preset).values) if arguments.preset is not None else {}
    chosen.update(
        {spec.id: getattr(arguments, spec.id) for spec in parameters() if getattr(arguments, spec.id) is not None}
    )
    return chosen


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


class _Progress:
    """A percentage on stderr, rewritten in place; only on a terminal, so logs and pipes stay clean."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.shown = -1
        self.enabled = sys.stderr.isatty()

    def __call__(self, fraction: float) -> None:
        percent = int(100 * fraction)
        if self.enabled and percent != self.shown:
            self.shown = percent
            print(f"\r{self.label}: {percent:3d}%", end="", file=sys.stderr, flush=True)

    def finish(self) -> None:
        if self.enabled and self.shown >= 0:
            print(file=sys.stderr)


def _render(arguments: argparse.Namespace) -> int:
    from stemglue.render import render_file

    chosen = _chosen_parameters(arguments)
    sessions = arguments.session or []
    if sessions and arguments.inputs:
        raise ValueError("give either --session FILE or the stems, not both")
    if not sessions and not arguments.inputs:
        raise ValueError("nothing to render: give an audio file, several stems, a folder or --session FILE")
    for path in arguments.inputs:  # a mistyped name, before it is taken for a file among folders
        if not path.exists():
            raise AudioFileError(f"{path}: no such file or folder")
    folders = [path for path in arguments.inputs if path.is_dir()]
    if folders and len(folders) < len(arguments.inputs):
        raise ValueError("give the stems of one session, or one folder per session, not both")
    if len(sessions) > 1 or len(folders) > 1:
        return _render_catalogue(arguments, chosen)
    if sessions or len(arguments.inputs) > 1 or folders:
        arguments.session = sessions[0] if sessions else None
        return _render_session(arguments, chosen)
    if arguments.layout is not None:
        raise ValueError("--layout places the stems of a session; one file has no stage")
    if arguments.report:
        raise ValueError("--report analyses a session's stems; for one file: stemglue analyze FILE --report OUT.html")
    if arguments.sample_rate is not None:
        raise ValueError("--sample-rate sets a session's rate; one file renders at its own")
    arguments.input = arguments.inputs[0]
    named = "track_id" not in chosen
    progress = _Progress(f"rendering {arguments.input}")
    try:
        rendered = render_file(
            arguments.input,
            arguments.output,
            chosen,
            block_size=arguments.block_size,
            overwrite=arguments.overwrite,
            tail=not arguments.no_tail,
            progress=progress,
            start_sample=arguments.start_sample,
        )
    finally:
        progress.finish()
    origin = f"from the file name {Path(arguments.input).stem!r}; --track-id to choose" if named else "given"
    tail = rendered.output_frames - rendered.input_frames
    print(
        f"wrote {arguments.output} ({rendered.output_frames} frames: {rendered.input_frames} of input "
        f"+ {tail} of tail, {rendered.sample_rate} Hz, {_count(rendered.channels, 'channel')}; "
        f"track_id {rendered.track_id}, {origin})"
    )
    return 0


def _render_session(arguments: argparse.Namespace, chosen: dict[str, float]) -> int:
    from stemglue.session import AUDIO_SUFFIXES, render_session

    if arguments.session is not None and arguments.layout is not None:
        raise ValueError("--layout: the session file names its layout (layout = ...); change it there")
    if arguments.output.suffix.lower() in AUDIO_SUFFIXES:
        raise AudioFileError(
            f"{arguments.output}: a session writes a folder (stems/, mix.wav, session.json); name a folder"
        )
    for folder in arguments.inputs:  # an edited session file beside the stems is easy to forget
        if folder.is_dir() and (folder / "session.toml").is_file():
            print(
                f"stemglue: note: {folder / 'session.toml'} is not read; --session {folder / 'session.toml'} renders it"
            )
    progress = _Progress(f"rendering the session into {arguments.output}")
    try:
        rendered = render_session(
            arguments.inputs,
            arguments.output,
            chosen,
            layout=arguments.layout or "band-room",
            session_file=arguments.session,
            block_size=arguments.block_size,
            overwrite=arguments.overwrite,
            tail=not arguments.no_tail,
            start_sample=arguments.start_sample,
            progress=progress,
            jobs=arguments.jobs,
            with_report=arguments.report,
            sample_rate=arguments.sample_rate,
        )
    finally:
        progress.finish()
    written = "mix.wav, session.json and report.html" if arguments.report else "mix.wav and session.json"
    print(
        f"wrote {arguments.output}: {_count(len(rendered.stems), 'stem')} ({', '.join(rendered.stems)}), {written} "
        f"({rendered.output_frames} frames, {rendered.sample_rate} Hz, {_count(rendered.channels, 'channel')}; "
        f"{rendered.pairs} bleed pairs, layout {rendered.layout})"
    )
    _print_conversions(rendered)
    return 0


def _print_conversions(rendered: SessionRendered) -> None:
    """What each stem needed to join the session, under the line that names the session."""
    for name, conversions in rendered.conversions.items():
        print(f"  {name}: {'; '.join(conversions)}")


def _render_catalogue(arguments: argparse.Namespace, chosen: dict[str, float]) -> int:
    """Several sessions (one folder or session file each) into OUTDIR/<name>/, --jobs at a time in
    worker processes; a session with a bad input is reported and the others still render."""
    from stemglue.catalogue import render_catalogue
    from stemglue.session import AUDIO_SUFFIXES, Session

    if arguments.session and arguments.layout is not None:
        raise ValueError("--layout: the session files name their layouts (layout = ...); change it there")
    outdir = arguments.output
    if outdir.suffix.lower() in AUDIO_SUFFIXES or (outdir.exists() and not outdir.is_dir()):
        raise AudioFileError(f"{outdir}: several sessions are written into a folder, one folder each; name a folder")
    # A folder is named by itself; a session file by its own name, or by its folder's when it is
    # the session.toml that `stemglue session init` writes.
    named = [(folder.resolve().name, folder, None) for folder in arguments.inputs] + [
        (file.resolve().parent.name if file.stem == "session" else file.stem, None, file)
        for file in arguments.session or []
    ]
    for file in arguments.session or []:  # a mistyped name is refused before anything renders
        if not file.is_file():
            raise AudioFileError(f"{file}: no such session file")
    names = [name for name, _, _ in named]
    folded = [name.casefold() for name in names]  # one folder on a case-insensitive disk
    for name, fold in zip(names, folded, strict=True):
        if folded.count(fold) > 1:
            raise ValueError(f"two sessions would both be written to {outdir / name}; rename one")
    for name in names:  # refused before any session renders
        if (outdir / name).exists() and not arguments.overwrite:
            raise AudioFileError(f"{outdir / name}: exists already; pass --overwrite to replace it")
    made = not outdir.exists()
    try:
        outdir.mkdir(exist_ok=True)
    except OSError as error:
        raise AudioFileError(f"{outdir}: cannot make this folder ({error.strerror or error})") from None
    options = {
        "layout": arguments.layout or "band-room",
        "block_size": arguments.block_size,
        "overwrite": arguments.overwrite,
        "tail": not arguments.no_tail,
        "start_sample": arguments.start_sample,
        "with_report": arguments.report,
        "sample_rate": arguments.sample_rate,
    }
    catalogue = [
        Session((folder,) if folder else (), outdir / name, chosen, session_file=file, **options)
        for name, folder, file in named
    ]
    progress = _Progress(f"rendering {len(catalogue)} sessions into {outdir}")
    try:
        results = render_catalogue(catalogue, jobs=arguments.jobs, progress=progress)
    finally:
        progress.finish()
        if made and not any(outdir.iterdir()):  # interrupted, or nothing rendered: no empty folder left
            outdir.rmdir()
    for result in results:
        if result.rendered is not None:
            stems = _count(len(result.rendered.stems), "stem")
            print(f"wrote {result.session.outdir}: {stems}, mix.wav and session.json")
            _print_conversions(result.rendered)
        else:
            print(f"stemglue: error: session {result.session.outdir.name}: {result.error}", file=sys.stderr)
    failed = sum(result.rendered is None for result in results)
    if failed:
        print(f"stemglue: {failed} of {len(results)} sessions not rendered (see above)", file=sys.stderr)
        return EXIT_USAGE_OR_INPUT
    return 0


def _session_init(arguments: argparse.Namespace) -> int:
    from stemglue.session import stem_files
    from stemglue.session_file import session_file_text

    folder = Path(arguments.folder)
    if not folder.is_dir():
        raise AudioFileError(f"{folder}: not a folder of stems")
    files = stem_files([folder])
    output = arguments.output or folder / "session.toml"
    text = session_file_text(files, output.resolve().parent, arguments.layout)
    with atomic_output(output, overwrite=arguments.overwrite) as temporary:
        temporary.write_text(text, encoding="utf-8")
    print(
        f"wrote {output} ({_count(len(files), 'stem')}); edit it, then: "
        f"stemglue render --session {shlex.quote(str(output))} -o OUTDIR"
    )
    return 0


def _demo(arguments: argparse.Namespace) -> int:
    from stemglue import StemGlue
    from stemglue.demo import demo_mix

    folder = Path(arguments.output)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise AudioFileError(f"{folder}: cannot make this folder ({error.strerror or error})") from None
    for name in ("before.wav", "after.wav"):  # refuse before rendering, and before writing either
        check_output_path(folder / name, overwrite=arguments.overwrite)
    sample_rate = 48000
    before = demo_mix(sample_rate, arguments.seconds)
    after = StemGlue(**_chosen_parameters(arguments))(before.astype("float32"), sample_rate)
    for name, audio in (("before.wav", before), ("after.wav", after)):
        write_audio(folder / name, audio, sample_rate, overwrite=arguments.overwrite)
    print(f"wrote {folder / 'before.wav'} (clean, generated) and {folder / 'after.wav'} (through StemGlue)")
    return 0


def _install_plugin(arguments: argparse.Namespace) -> int:
    from stemglue.plugin import PRESET_SUBFOLDER, install_plugin

    target = install_plugin(arguments.destination, force=arguments.force)
    print(f"installed {target} and its factory presets in {target.parent / PRESET_SUBFOLDER}")
    return 0


def _analyze(arguments: argparse.Namespace) -> int:
    import dataclasses
    import json

    from stemglue.analysis.multitrack import analyze, comparison, load_stems
    from stemglue.analysis.report import Report
    from stemglue.analysis.suggest import suggest
    from stemglue.session import AUDIO_SUFFIXES, stem_files
    from stemglue.session_file import session_file_text

    outputs = [(arguments.json, ".json"), (arguments.report, ".html"), (arguments.suggest, ".toml")]
    named = [path.resolve() for path, _ in outputs if path is not None]
    if len(set(named)) < len(named):
        raise ValueError("--json, --report and --suggest need three different files")
    for path, suffix in outputs:
        if path is not None:
            if path.suffix.lower() in AUDIO_SUFFIXES:
                raise ValueError(f"{path}: name a {suffix} file (this would replace audio)")
            check_output_path(path, overwrite=arguments.overwrite)
    files = stem_files(arguments.inputs)
    stems = load_stems(files)  # every file read before any output
    before = load_stems(stem_files([arguments.compare])) if arguments.compare is not None else None
    if before is not None:  # a mono original read as its stereo render's session heard it (copied into both)
        widths = {stem.name: stem.channels for stem in stems}
        before = [dataclasses.replace(stem, upmix_to=widths.get(stem.name, 0)) for stem in before]
        # Stems are compared by name: one without a match would drop out of the changes unseen.
        names, earlier = {stem.name for stem in stems}, {stem.name for stem in before}
        if unmatched := sorted(names ^ earlier):
            from stemglue.render import warn_on_stderr

            warn_on_stderr(
                f"--compare: no stem of the same name in the other set for {', '.join(unmatched)}; "
                "stems are compared by file name"
            )
    progress = _Progress(f"analysing {_count(len(stems) + len(before or []), 'stem')}")
    try:
        report = Report(before) if arguments.report is not None else None
        details = {} if report is not None else None  # what the report's plots need
        drawing = report.draw if report is not None else None
        if before is None:
            result = analyze(stems, tempo_bpm=arguments.tempo, progress=progress, details=details, each_stem=drawing)
        else:  # the stems timed against the grid of those they are compared with (see _write_analysis_report)
            share = len(before) / (len(before) + len(stems))
            found = {}
            compared = analyze(before, arguments.tempo, lambda done: progress(share * done), found)
            result = analyze(
                stems,
                progress=lambda done: progress(share + (1 - share) * done),
                details=details,
                each_stem=drawing,
                grid=found["grid"],
            )
            result["compare"] = comparison(result, compared)
    finally:
        progress.finish()
    _print_analysis(result)
    lines = []
    suggestion = suggest(result) if arguments.suggest is not None else None
    if suggestion is not None:
        lines += ["suggested:"] + [
            f"  {reason}" for reason in suggestion.reasons or ["nothing: every stem is in range"]
        ]
        text = session_file_text(
            files, arguments.suggest.resolve().parent, suggestion.layout, suggestion.shared, suggestion.by_stem
        )
        with atomic_output(arguments.suggest, overwrite=arguments.overwrite) as temporary:
            temporary.write_text(text, encoding="utf-8")
        lines.append(
            f"wrote {arguments.suggest}; render it with: stemglue render --session {arguments.suggest} -o OUTDIR"
        )
    if arguments.json is not None:
        with atomic_output(arguments.json, overwrite=arguments.overwrite) as temporary:
            temporary.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        lines.append(f"wrote {arguments.json}")
    if report is not None:
        report.write(result, details, arguments.report, overwrite=arguments.overwrite)
        lines.append(f"wrote {arguments.report}")
    if lines:
        print("\n".join(lines))
    return 0


def _print_analysis(result: dict) -> None:
    """The analysis's tables on stdout with rich: n/a where a value does not apply, ! (and colour on
    a terminal) beside a value outside the range recordings of people show, then the flags."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from stemglue.analysis.multitrack import tempo_text
    from stemglue.analysis.tables import tables

    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = 160  # a pipe or a log gets whole rows, not rich's 80-column wrap
    console.print(f"tempo: {tempo_text(result['tempo'])}")
    for made in tables(result):
        shown = Table(title=made.title, title_justify="left", title_style="bold")
        shown.add_column(escape(made.row_title))
        for column in made.columns:
            shown.add_column(escape(column), justify="right")  # stem names in the compare table
        for name, cells in made.rows:
            texts = (
                f"[bold yellow]{c.text}![/]" if c.outside else "[dim]n/a[/]" if c.reason else c.text for c in cells
            )
            shown.add_row(escape(name), *texts)
        console.print(shown)
    for name, stem in result["stems"].items():
        for flag in stem["flags"]:
            console.print(f"  {name}: {flag}", markup=False)


def _list_parameters(_: argparse.Namespace) -> int:
    specs = parameters()
    defaults = [f"default {spec.default:g}" for spec in specs]
    id_width = max(len(spec.id) for spec in specs)
    range_width = max(len(spec.legal_values()) for spec in specs)
    default_width = max(map(len, defaults))
    for spec, default in zip(specs, defaults, strict=True):
        print(
            f"{spec.id:{id_width}}  {spec.legal_values():{range_width}}  {default:{default_width}}  {spec.description}"
        )
    return 0


def _list_presets(_: argparse.Namespace) -> int:
    for found in presets():
        print(f"{found.name:20} {found.category:10} {found.description}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    # Here, not at the top: stage loads scipy and the reference modules (most of a second), and main() is where
    # Ctrl-C ends the command with one line instead of a traceback.
    from stemglue.stage import LAYOUTS

    parser = _Parser(prog="stemglue", description="Humanize / glue processing for stems.")
    parser.add_argument("--version", action="version", version=f"stemglue {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    render = commands.add_parser(
        "render", help="render an audio file, or the stems of one multitrack as a session, through StemGlue"
    )
    render.add_argument(
        "inputs",
        type=Path,
        nargs="*",
        metavar="INPUT",
        help="an audio file (WAV, FLAC, AIFF, OGG ...); several stems, or one folder of them, render as one "
        "session: one room, bleed between the stems, one band clock; several folders are several sessions, "
        "written to OUTDIR/<folder name>/",
    )
    render.add_argument(
        "--session",
        type=Path,
        action="append",
        metavar="FILE",
        help="render the session a session file describes (see `stemglue session init`); options given win. "
        "Give it again for more sessions",
    )
    render.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help="output WAV file (32-bit float); for a session, a new folder for stems/, mix.wav and session.json; "
        "for several sessions, a folder to hold one such folder each",
    )
    render.add_argument(
        "--layout",
        choices=sorted(LAYOUTS),
        default=None,
        help="session: the stage the stems stand on (their room positions and bleed; default band-room; "
        "a session file names its own)",
    )
    render.add_argument(
        "--sample-rate",
        type=_whole_number(int(MIN_SAMPLE_RATE), int(MAX_SAMPLE_RATE)),
        default=None,
        metavar="HZ",
        help="session: its rate; stems at other rates are resampled to it (soxr VHQ; default: the highest "
        "of the stems')",
    )
    render.add_argument(
        "--block-size",
        type=_whole_number(1, MAX_BLOCK_SIZE),
        default=512,
        metavar="SAMPLES",
        help=f"processing block size, 1 to {MAX_BLOCK_SIZE} (output does not depend on it)",
    )
    render.add_argument("--overwrite", action="store_true", help="replace an existing output")
    render.add_argument(
        "--report",
        action="store_true",
        help="session: also write OUTDIR/report.html, `stemglue analyze` of the rendered stems against their "
        "inputs (it analyses every stem twice: 16 stereo stems of 2 min took 66 s with it, 12 s without, on 2 cores)",
    )
    render.add_argument(
        "--jobs",
        type=_whole_number(1, 64),
        default=1,
        metavar="N",
        help="several sessions: render N at a time in worker processes; one session: its stems in N threads "
        "(the bytes are the same either way; default 1)",
    )
    render.add_argument(
        "--start-sample",
        type=_whole_number(0),
        default=0,
        metavar="SAMPLES",
        help="where the file starts on the song's timeline: noise, drift and room movement are keyed "
        "by it, so a section rendered alone matches the same stretch of the whole song (default 0)",
    )
    render.add_argument(
        "--no-tail", action="store_true", help="stop at the input's length instead of letting the room's tail ring out"
    )
    _add_parameter_options(render)
    render.set_defaults(run=_render)

    demo = commands.add_parser("demo", help="render the built-in generated multitrack, before and after")
    demo.add_argument(
        "--output",
        type=Path,
        default=Path("stemglue-demo"),
        help="folder for before.wav and after.wav (default stemglue-demo)",
    )
    demo.add_argument(
        "--seconds",
        type=_seconds,
        default=8.0,
        help=f"length of the demo in seconds, more than 0 and at most {MAX_DEMO_SECONDS:g} (default %(default)g)",
    )
    demo.add_argument("--overwrite", action="store_true", help="replace existing files")
    _add_parameter_options(demo)
    demo.set_defaults(run=_demo)

    analyze = commands.add_parser(
        "analyze",
        help="measure what a multitrack is missing: floor, timing, hit levels, pitch, harmonics, loudness, "
        "spectrum, decay, bleed",
        description="Measure what a multitrack is missing, per stem (noise floor, onset timing, hit levels, "
        "pitch steadiness, H2/H3, loudness, spectral balance, T30/EDT of its decays) and across stems (bleed, "
        "onsets together, how alike they decay), beside the ranges recordings of people show.",
    )
    analyze.add_argument("inputs", type=Path, nargs="+", metavar="STEM", help="audio files, or one folder of them")
    analyze.add_argument(
        "--tempo",
        type=_tempo,
        default=None,
        metavar="BPM",
        help="the song's tempo: onsets are timed against its sixteenths from each file's start, or its "
        "triplets or both where those fit the onsets better (default: estimated from the onsets, and the mean "
        "offset is then n/a)",
    )
    analyze.add_argument("--json", type=Path, default=None, metavar="OUT.json", help="write every value as JSON")
    analyze.add_argument(
        "--report", type=Path, default=None, metavar="OUT.html", help="write a report with plots (one HTML file)"
    )
    analyze.add_argument(
        "--compare",
        type=Path,
        default=None,
        metavar="OTHER",
        help="the same stems before (a folder, stems matched by name): shows what changed",
    )
    analyze.add_argument(
        "--suggest",
        type=Path,
        nargs="?",
        const=Path("suggested-session.toml"),
        default=None,
        metavar="FILE.toml",
        help="print StemGlue settings that would bring the stems into range, and write them as a session "
        "file for `stemglue render --session` (default suggested-session.toml)",
    )
    analyze.add_argument("--overwrite", action="store_true", help="replace existing output files")
    analyze.set_defaults(run=_analyze)

    session = commands.add_parser("session", help="session files: describe a multitrack for `render --session`")
    session_commands = session.add_subparsers(dest="session_command", required=True, metavar="COMMAND")
    init = session_commands.add_parser(
        "init", help="write a session file for a folder of stems, roles guessed from the file names"
    )
    init.add_argument("folder", type=Path, help="the folder of stems")
    init.add_argument(
        "-o", "--output", type=Path, default=None, help="the session file to write (default FOLDER/session.toml)"
    )
    init.add_argument("--layout", choices=sorted(LAYOUTS), default="band-room", help="the stage (default band-room)")
    init.add_argument("--overwrite", action="store_true", help="replace an existing session file")
    init.set_defaults(run=_session_init)

    install = commands.add_parser("install-plugin", help="copy StemGlue.vst3 and its .vstpreset files into ~/.vst3")
    install.add_argument("--destination", type=Path, default=None, help="folder (default ~/.vst3)")
    install.add_argument(
        "--overwrite", "--force", dest="force", action="store_true", help="replace a different StemGlue.vst3 there"
    )
    install.set_defaults(run=_install_plugin)

    listing = commands.add_parser("parameters", help="list every parameter with its range")
    listing.set_defaults(run=_list_parameters)

    preset_listing = commands.add_parser("presets", help="list the factory presets (for --preset)")
    preset_listing.set_defaults(run=_list_presets)
    return parser


class _Terminated(KeyboardInterrupt):
    """SIGTERM (`kill`, `timeout`, a job scheduler) stops a render as Ctrl-C does: cleanly."""


def _terminate(signum, frame) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the clean-up runs once, uninterrupted
    raise _Terminated


def main(argv: list[str] | None = None) -> int:
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        arguments = build_parser().parse_args(argv)
        return arguments.run(arguments)
    except KeyboardInterrupt as stop:
        # Outputs are written to a temp file that is removed on the way out: nothing partial is left.
        print("stemglue: terminated" if isinstance(stop, _Terminated) else "stemglue: interrupted", file=sys.stderr)
        return EXIT_TERMINATED if isinstance(stop, _Terminated) else EXIT_INTERRUPTED
    except (AudioFileError, ValueError, FileExistsError, FileNotFoundError) as error:
        print(f"stemglue: error: {error}", file=sys.stderr)
        return EXIT_USAGE_OR_INPUT
    except BrokenPipeError:  # the reader stopped (stemglue parameters | head): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so exit's flush cannot fail again
        return 0
    except (OSError, soundfile.LibsndfileError) as error:  # the disk filled, a file vanished: still one line
        print(f"stemglue: error: {error}", file=sys.stderr)
        return EXIT_USAGE_OR_INPUT
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
