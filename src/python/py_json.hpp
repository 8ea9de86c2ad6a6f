#pragma once
// nlohmann::json -> Python objects (dict, list, str, int, float, bool, None), so that the Python
// module hands out the same content as the JSON report without a round trip through text.

#include <pybind11/pybind11.h>

#include <nlohmann/json.hpp>

namespace somna::python {

pybind11::object to_python(const nlohmann::json& value);

}  // namespace somna::python
