// Recursive conversion of a JSON value into the Python object json.loads would give.

#include "python/py_json.hpp"

namespace somna::python {

namespace py = pybind11;

py::object to_python(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::object: {
      py::dict d;
      for (const auto& [key, item] : v.items()) d[py::str(key)] = to_python(item);
      return std::move(d);
    }
    case nlohmann::json::value_t::array: {
      py::list l(v.size());
      for (size_t i = 0; i < v.size(); ++i) l[i] = to_python(v[i]);
      return std::move(l);
    }
    case nlohmann::json::value_t::string:
      return py::str(v.get_ref<const std::string&>());
    case nlohmann::json::value_t::boolean:
      return py::bool_(v.get<bool>());
    case nlohmann::json::value_t::number_integer:
      return py::int_(v.get<int64_t>());
    case nlohmann::json::value_t::number_unsigned:
      return py::int_(v.get<uint64_t>());
    case nlohmann::json::value_t::number_float:
      return py::float_(v.get<double>());
    default:
      return py::none();
  }
}

}  // namespace somna::python
