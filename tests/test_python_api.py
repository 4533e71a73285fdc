"""The Python API as pedalboard users expect it: signatures, help, repr, stubs; the reference without
the compiled extension; one instance shared by threads; start_sample."""

import inspect
import pydoc
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import stemglue
import stemglue.reference
from processor_classes import NATIVE_CLASSES, REFERENCE_CLASSES
from signals import noise
from stemglue import _stubs
from stemglue._parameters import modules

SOURCE_PACKAGE = Path(__file__).resolve().parents[1] / "python" / "stemglue"
ALL_CLASSES = NATIVE_CLASSES + REFERENCE_CLASSES


def class_id(cls):
    return f"{cls.__module__}.{cls.__name__}"


@pytest.mark.parametrize("processor_class", ALL_CLASSES, ids=class_id)
def test_signature_lists_every_keyword_with_its_table_default(processor_class):
    signature = inspect.signature(processor_class)
    keywords = processor_class.parameter_keywords()
    assert list(signature.parameters) == list(keywords)
    for name, argument in signature.parameters.items():
        assert argument.kind is inspect.Parameter.KEYWORD_ONLY
        assert argument.default == keywords[name].default
    # a keyword not in the signature is still refused with the list of the real ones
    with pytest.raises(ValueError, match=r"has no parameter 'warmth'; its parameters are: "):
        processor_class(warmth=1)


@pytest.mark.parametrize("processor_class", ALL_CLASSES, ids=class_id)
def test_a_misspelt_parameter_attribute_is_refused_with_the_likely_one(processor_class):
    """tube.drve_db = 30 was silently a new attribute, and the drive stayed where it was."""
    processor = processor_class()
    keyword = next(iter(processor_class.parameter_keywords()))
    misspelt = keyword[:2] + keyword[3:]
    with pytest.raises(AttributeError, match=rf"has no parameter '{misspelt}'; did you mean '{keyword}'\?"):
        setattr(processor, misspelt, 1)
    assert not hasattr(processor, misspelt)


def test_native_and_reference_classes_take_the_same_keywords():
    for native, reference in zip(NATIVE_CLASSES, REFERENCE_CLASSES, strict=True):
        assert native.__name__ == reference.__name__
        assert inspect.signature(native) == inspect.signature(reference)


def test_table_module_list_names_the_classes_in_signal_flow_order():
    assert [info.id for info in modules()] == ["humanize", "bleed", "room", "tube", "drift", "noise", "glue"]
    for info in modules():
        assert getattr(stemglue, info.class_name).module == info.id
        assert getattr(stemglue.reference, info.class_name).module == info.id
        assert info.description
    assert {spec.module for spec in stemglue.parameters()} == {"global"} | {info.id for info in modules()}


def test_help_lists_ranges_units_and_defaults():
    text = pydoc.render_doc(stemglue.Tube, renderer=pydoc.plaintext)
    assert "Tube(*, drive_db: float = 6.0," in text
    assert "drive_db -- Tube Drive: between -12 and 36 dB, default 6." in text
    assert "oversampling -- Tube Oversampling: one of 1, 2, 4, 8, default 2." in text
    assert "seed -- Seed: a whole number between 0 and 99999, default 1." in pydoc.render_doc(stemglue.Noise)
    assert "between 0 and 0.5 %" in stemglue.Drift.wow_percent.__doc__


def test_repr_shows_current_values():
    tube = stemglue.Tube(drive_db=3)
    tube.mix_percent = 40
    assert repr(tube) == (
        "stemglue.Tube(drive_db=3, bias=0.3, bloom_percent=30, tone_db=0, output_db=0, "
        "mix_percent=40, oversampling=2, adaa=1)"
    )
    assert "(seed=9," in repr(stemglue.reference.Noise(seed=9))


def test_committed_stubs_match_the_table():
    # Regenerate with: python -m stemglue._stubs python/stemglue
    for relative, text in _stubs.render_stubs().items():
        assert (SOURCE_PACKAGE / relative).read_text(encoding="utf-8") == text, f"{relative} is stale"


def test_stubs_and_marker_ship_with_the_package():
    package = resources.files("stemglue")
    for name in ["py.typed", "__init__.pyi", "reference/__init__.pyi", "parameter_table.json"]:
        assert package.joinpath(name).is_file(), name


def test_stubs_export_what_the_package_exports():
    namespace: dict = {}
    exec(compile(_stubs.render_stubs()["__init__.pyi"].replace("...", "pass"), "__init__.pyi", "exec"), namespace)
    assert sorted(namespace["__all__"]) == sorted(stemglue.__all__)


def test_subpackages_load_on_first_use_after_import_stemglue():
    """As the README's examples use them: `import stemglue`, then stemglue.reference.Tube(...)."""
    script = textwrap.dedent("""
        import sys
        import stemglue

        assert "stemglue.reference" not in sys.modules and "stemglue.analysis" not in sys.modules
        assert stemglue.reference.Tube(drive_db=9).drive_db == 9
        assert callable(stemglue.analysis.analyze) and callable(stemglue.catalogue.render_catalogue)
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


BLOCK_CORE = textwrap.dedent("""
    import sys

    class BlockCore:  # as if the extension were not built or could not load
        def find_spec(self, name, path=None, target=None):
            if name == "stemglue._core":
                raise ImportError("stemglue._core blocked by the test")
            return None

    sys.meta_path.insert(0, BlockCore())
""")


def test_reference_runs_without_the_compiled_extension():
    script = BLOCK_CORE + textwrap.dedent("""
        import numpy as np
        import stemglue.reference

        audio = 0.3 * np.sin(2 * np.pi * 440 * np.arange(2048) / 48000)[np.newaxis].repeat(2, axis=0)
        out = stemglue.reference.StemGlue(seed=3)(audio, 48000)
        tube = stemglue.reference.Tube(drive_db=12)(audio, 48000)
        assert out.shape == audio.shape and np.all(np.isfinite(out)) and not np.allclose(out, audio)
        assert np.all(np.isfinite(tube)) and not np.allclose(tube, audio)
        assert stemglue.parameter("tube_drive_db").to_normalized(12) == 0.5
        assert "stemglue._core" not in sys.modules
        try:
            stemglue.Tube
        except ImportError as error:
            assert "blocked by the test" in str(error)
        else:
            raise AssertionError("stemglue.Tube loaded without _core")
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


# --- one instance, many threads --------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [lambda: stemglue.StemGlue(seed=5, room_mix_percent=40), lambda: stemglue.reference.Noise(seed=5, hiss_db=-50)],
    ids=["native StemGlue", "reference Noise"],
)
def test_one_instance_shared_by_threads_renders_as_if_alone(make):
    # Calls alternate block sizes, so each one prepares, resets and renders: without one lock
    # around the whole call another thread's prepare lands mid-render (3 of 16 renders differed).
    audio = noise(2, 6000, seed=1)
    block_sizes = [(64, 512)[k % 2] for k in range(16)]
    expected = {size: make()(audio, 48000, block_size=size) for size in set(block_sizes)}
    shared = make()
    with ThreadPoolExecutor(max_workers=8) as pool:
        outputs = list(pool.map(lambda size: shared(audio, 48000, block_size=size), block_sizes))
    for size, output in zip(block_sizes, outputs, strict=False):
        np.testing.assert_array_equal(output, expected[size])


@pytest.mark.parametrize("processor_class", [stemglue.Tube, stemglue.reference.Tube], ids=["native", "reference"])
def test_lifecycle_methods_hold_the_instance_lock(processor_class):
    processor = processor_class()
    audio = np.zeros((1, 64))
    acquired = []

    class SpyLock:  # records that each public method runs under the lock
        def __init__(self, lock):
            self.lock, self.depth = lock, 0

        def __enter__(self):
            self.lock.acquire()
            self.depth += 1
            acquired.append(self.depth)

        def __exit__(self, *exc):
            self.depth -= 1
            self.lock.release()

    processor._lock = SpyLock(processor._lock)
    processor.prepare(48000, 64, 1)
    processor.reset()
    processor.set_parameter("tube_drive_db", 3)
    processor.process(audio)
    processor(audio, 48000, block_size=64)
    assert len(acquired) >= 5 and processor._lock.depth == 0


# --- start_sample ------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [-1, 1.5, 2.0, True, "3", None])
def test_start_sample_must_be_a_whole_number_from_zero(bad):
    with pytest.raises(ValueError, match=r"start_sample must be a whole number >= 0; got"):
        stemglue.reference.Noise()(np.zeros((1, 16)), 48000, start_sample=bad)


@pytest.mark.parametrize("bad", [-5, 1.5, True, "3"])
@pytest.mark.parametrize(
    "make", [stemglue.StemGlue, stemglue.Noise, stemglue.reference.StemGlue, stemglue.reference.Noise], ids=str
)
def test_seek_takes_a_whole_number_from_zero(make, bad):
    """One line, as start_sample's (native seek(-5) gave pybind11's multi-line TypeError)."""
    with pytest.raises(ValueError, match=r"^position must be a whole number >= 0; got"):
        make().seek(bad)


def test_start_sample_needs_a_stream_start():
    fx = stemglue.reference.Noise()
    fx(np.zeros((1, 16)), 48000, block_size=16)
    fx(np.zeros((1, 16)), 48000, block_size=16, reset=False)  # continuing at 0 offset is fine
    with pytest.raises(ValueError, match="start_sample applies where a stream starts"):
        fx(np.zeros((1, 16)), 48000, block_size=16, reset=False, start_sample=100)


class _Recorder:
    """Records reset() and seek() on the object it wraps, then forwards them (seek only where it exists)."""

    def __init__(self, inner, calls):
        self._inner, self._calls = inner, calls

    def reset(self):
        self._calls.append("reset")
        self._inner.reset()

    def seek(self, position):
        self._calls.append(position)
        if hasattr(self._inner, "seek"):
            self._inner.seek(position)

    def __getattr__(self, name):
        return getattr(self._inner, name)


@pytest.mark.parametrize("processor_class", [stemglue.Noise, stemglue.reference.Noise], ids=["native", "reference"])
def test_start_sample_is_forwarded_as_a_seek_after_the_reset(processor_class):
    fx = processor_class()
    calls = []
    if hasattr(fx, "_core"):  # native: the call reaches the C++ object
        fx._core = _Recorder(fx._core, calls)
    else:  # reference: the module's own _reset and seek, wrapped by instance attributes
        original_reset, original_seek = fx._reset, getattr(fx, "seek", None)

        def reset():
            calls.append("reset")
            original_reset()

        def seek(position):
            calls.append(position)
            if original_seek is not None:
                original_seek(position)

        fx._reset, fx.seek = reset, seek
    fx(np.zeros((1, 32)), 48000, start_sample=4800)  # prepares
    fx(np.zeros((1, 32)), 48000)  # resets
    assert calls == ["reset", 4800, "reset", 0]
