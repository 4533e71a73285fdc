// stemglue._core: numpy <-> DSP core. Validation of user input lives in Python
// (stemglue/_processor.py); this layer checks only what would be unsafe in C++.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "stemglue/engine.h"
#include "stemglue/glue_compressor.h"
#include "stemglue/module_list.h"
#include "stemglue/parameters.h"
#include "stemglue/random.h"

namespace py = pybind11;
using namespace stemglue;

namespace {

using AudioArray = py::array_t<float, py::array::c_style>;

int index_of(const std::string& id)
{
    const int index = parameter_index(id);
    if (index < 0) throw py::value_error("unknown parameter '" + id + "'");
    return index;
}

py::list parameter_table()
{
    py::list table;
    for (const ParameterSpec& spec : kParameters) {
        py::dict entry;
        entry["id"] = std::string(spec.id);
        entry["name"] = std::string(spec.name);
        entry["unit"] = std::string(spec.unit);
        entry["module"] = std::string(spec.module);
        entry["kind"] = std::string(kind_name(spec.kind));
        entry["min"] = spec.min_value;
        entry["max"] = spec.max_value;
        entry["default"] = spec.default_value;
        entry["skew_center"] = spec.skew_center;
        entry["smoothing_ms"] = spec.smoothing_ms;
        entry["timing"] = std::string(timing_name(spec.timing));
        entry["choices"] = std::vector<double>(spec.choice_values.begin(), spec.choice_values.begin() + spec.num_choices);
        entry["vst3_id"] = parameter_hash(spec.id);
        entry["description"] = std::string(spec.description);
        table.append(entry);
    }
    return table;
}

// Processes a copy of (channels, samples) float32 audio in blocks, without the GIL; a sidechain
// (channels, samples as long) is heard alongside.
// The audio, then flush samples of silence (a sidechain silent there too), through the processor
// in blocks: (channels, samples + flush), so a caller can drop the latency without padding a copy.
AudioArray render(Module& processor, const AudioArray& audio, int block_size, const std::optional<AudioArray>& sidechain,
                  py::ssize_t flush)
{
    if (audio.ndim() != 2) throw py::value_error("audio must be 2-D (channels, samples)");
    if (block_size < 1) throw py::value_error("block_size must be >= 1");
    if (flush < 0) throw py::value_error("flush must be >= 0");
    if (sidechain && (sidechain->ndim() != 2 || sidechain->shape(1) != audio.shape(1) || sidechain->shape(0) > kMaxChannels))
        throw py::value_error("sidechain must be 2-D (channels <= 64, as many samples as audio)");
    const int sidechain_channels = sidechain ? static_cast<int>(sidechain->shape(0)) : 0;
    std::vector<float*> sidechain_pointers(static_cast<size_t>(sidechain_channels));
    // Read only: the core never writes a sidechain.
    float* sidechain_base = sidechain ? const_cast<float*>(sidechain->data()) : nullptr;
    const int num_channels = static_cast<int>(audio.shape(0));
    const py::ssize_t num_samples = audio.shape(1), total = num_samples + flush;
    AudioArray output(std::vector<py::ssize_t>{audio.shape(0), total});
    float* base = output.mutable_data();
    for (int c = 0; c < num_channels; ++c) {
        std::memcpy(base + c * total, audio.data() + c * num_samples, sizeof(float) * static_cast<size_t>(num_samples));
        std::fill(base + c * total + num_samples, base + (c + 1) * total, 0.0f);
    }
    // Where a block runs past the audio, the sidechain is read into scratch, silent after its end.
    std::vector<float> scratch(static_cast<size_t>(sidechain_channels) * static_cast<size_t>(block_size), 0.0f);
    std::vector<float*> pointers(static_cast<size_t>(num_channels));
    {
        py::gil_scoped_release release;
        for (py::ssize_t start = 0; start < total; start += block_size) {
            const int length = static_cast<int>(std::min<py::ssize_t>(block_size, total - start));
            for (int c = 0; c < num_channels; ++c) pointers[static_cast<size_t>(c)] = base + c * total + start;
            const py::ssize_t heard = std::clamp<py::ssize_t>(num_samples - start, 0, length);
            for (int c = 0; c < sidechain_channels; ++c) {
                const float* source = sidechain_base + c * num_samples + start;
                float* own = scratch.data() + static_cast<size_t>(c) * static_cast<size_t>(block_size);
                if (heard == length) {
                    sidechain_pointers[static_cast<size_t>(c)] = const_cast<float*>(source);
                } else {
                    std::copy(source, source + heard, own);
                    std::fill(own + heard, own + length, 0.0f);
                    sidechain_pointers[static_cast<size_t>(c)] = own;
                }
            }
            processor.process({pointers.data(), num_channels, length}, {sidechain_pointers.data(), sidechain_channels, length});
        }
    }
    return output;
}

// The checks that keep C++ safe; values themselves are made legal by each parameter's row.
void prepare(Module& self, double sample_rate, int max_block_size, int num_channels)
{
    if (!(sample_rate >= 1000.0 && sample_rate <= 768000.0)) throw py::value_error("sample_rate must be 1000..768000 Hz");
    if (max_block_size < 1 || max_block_size > (1 << 20)) throw py::value_error("max_block_size must be 1..1048576");
    if (num_channels < 1 || num_channels > kMaxChannels) throw py::value_error("num_channels must be 1..64");
    self.prepare(sample_rate, max_block_size, num_channels);
}

// draw(key, start + i) for i < count, as a numpy array.
template <typename T, typename Draw>
void bind_draws(py::module_& m, const char* name, Draw draw)
{
    m.def(
        name,
        [draw](uint64_t key, uint64_t start, py::ssize_t count) {
            py::array_t<T> out(count);
            auto view = out.template mutable_unchecked<1>();
            for (py::ssize_t i = 0; i < count; ++i) view(i) = draw(key, start + static_cast<uint64_t>(i));
            return out;
        },
        py::arg("key"), py::arg("start"), py::arg("count"));
}

}  // namespace

PYBIND11_MODULE(_core, m)
{
    m.doc() = "StemGlue DSP core (C++). Use the stemglue package, not this module directly.";
    m.def("parameters", &parameter_table, "The one parameter table, as a list of dicts.");
    m.def(
        "to_normalized", [](const std::string& id, double plain) { return to_normalized(kParameters[index_of(id)], plain); },
        py::arg("id"), py::arg("plain"));
    m.def(
        "from_normalized",
        [](const std::string& id, double normalized) { return from_normalized(kParameters[index_of(id)], normalized); },
        py::arg("id"), py::arg("normalized"));

    m.def(
        "is_valid", [](const std::string& id, double plain) { return is_valid(kParameters[index_of(id)], plain); }, py::arg("id"),
        py::arg("plain"));

    m.def("stream_key", &stream_key, py::arg("seed"), py::arg("stream"));
    bind_draws<uint64_t>(m, "random_u64", [](uint64_t key, uint64_t i) { return random_u64(key, i); });
    bind_draws<double>(m, "random_uniform", [](uint64_t key, uint64_t i) { return random_uniform(key, i); });
    bind_draws<double>(m, "random_gaussian", [](uint64_t key, uint64_t i) { return random_gaussian(key, i); });

    // One class for every module and the chain; the module list names them.
    py::class_<Module>(m, "Processor", "A StemGlue processor (C++): a module of the chain, or the whole Engine.")
        .def("prepare", &prepare, py::arg("sample_rate"), py::arg("max_block_size"), py::arg("num_channels"))
        .def("reset", &Module::reset)
        .def("seek", &Module::seek, py::arg("position_samples"), "Timeline position of the next sample.")
        .def(
            "set_parameter", [](Module& self, const std::string& id, double value) { self.set_parameter(index_of(id), value); },
            py::arg("id"), py::arg("value"))
        .def(
            "get_parameter", [](const Module& self, const std::string& id) { return self.get_parameter(index_of(id)); },
            py::arg("id"), "The value the processor holds (NaN if the row is not its own).")
        .def("render", &render, py::arg("audio"), py::arg("block_size"), py::arg("sidechain") = std::nullopt,
             py::arg("flush") = 0,
             "Process a copy of (channels, samples) float32 audio and then flush samples of silence in blocks of "
             "block_size, hearing a sidechain of (channels, samples) if given (silent during the flush); returns "
             "(channels, samples + flush). The GIL is released.")
        .def_property_readonly("latency_samples", &Module::latency_samples)
        .def_property_readonly("tail_samples", &Module::tail_samples);
    py::class_<GlueCompressor, Module>(m, "_GlueCompressor")
        .def_property_readonly("gain_reduction_db", &GlueCompressor::gain_reduction_db);
    py::class_<Engine, Module>(m, "_Engine")
        .def("set_transport", &Engine::set_transport, py::arg("playing"), py::arg("position_samples"));

    // The module list itself reaches Python through parameter_table.json (stemglue.modules()).
    for (const ModuleInfo& info : modules()) {
        const std::string id(info.id);
        m.attr(std::string(info.class_name).c_str()) = py::cpp_function([id] { return create_module(id); });
    }
    m.def("Engine", [] { return std::make_unique<Engine>(); }, "The whole StemGlue chain (C++).");
}
