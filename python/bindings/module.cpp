// stemglue._core: numpy <-> DSP core. Validation of user input lives in Python
// (stemglue/_processor.py); this layer checks only what would be unsafe in C++.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

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
AudioArray render(Module& processor, const AudioArray& audio, int block_size, const std::optional<AudioArray>& sidechain)
{
    if (audio.ndim() != 2) throw py::value_error("audio must be 2-D (channels, samples)");
    if (block_size < 1) throw py::value_error("block_size must be >= 1");
    if (sidechain && (sidechain->ndim() != 2 || sidechain->shape(1) != audio.shape(1) || sidechain->shape(0) > kMaxChannels))
        throw py::value_error("sidechain must be 2-D (channels <= 64, as many samples as audio)");
    const int sidechain_channels = sidechain ? static_cast<int>(sidechain->shape(0)) : 0;
    std::vector<float*> sidechain_pointers(static_cast<size_t>(sidechain_channels));
    // Read only: the core never writes a sidechain.
    float* sidechain_base = sidechain ? const_cast<float*>(sidechain->data()) : nullptr;
    AudioArray output(std::vector<py::ssize_t>{audio.shape(0), audio.shape(1)});
    std::memcpy(output.mutable_data(), audio.data(), sizeof(float) * static_cast<size_t>(audio.size()));
    const int num_channels = static_cast<int>(audio.shape(0));
    const py::ssize_t num_samples = audio.shape(1);
    std::vector<float*> pointers(static_cast<size_t>(num_channels));
    float* base = output.mutable_data();
    {
        py::gil_scoped_release release;
        for (py::ssize_t start = 0; start < num_samples; start += block_size) {
            for (int c = 0; c < num_channels; ++c) pointers[static_cast<size_t>(c)] = base + c * num_samples + start;
            const int length = static_cast<int>(std::min<py::ssize_t>(block_size, num_samples - start));
            for (int c = 0; c < sidechain_channels; ++c)
                sidechain_pointers[static_cast<size_t>(c)] = sidechain_base + c * num_samples + start;
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
             "Process a copy of (channels, samples) float32 audio in blocks of block_size, hearing a sidechain of "
             "(channels, samples) if given; the GIL is released.")
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
