// Which Python exception a somna::Error becomes: decided by what the named file is on disk.

#include "python/py_errors.hpp"

#include <pybind11/pybind11.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "common/error.hpp"

namespace somna::python {
namespace {

namespace py = pybind11;

// errno for a file an error names: ENOENT when it is missing, EACCES when it cannot be read,
// 0 when it is there and readable (the problem is its content, not the file).
int file_errno(const std::string& file) {
  if (file.empty() || file == "-") return 0;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    // A WFDB record may be named without its .hea.
    if (std::filesystem::exists(file + ".hea", ec)) return 0;
    return ENOENT;
  }
  return ::access(file.c_str(), R_OK) == 0 ? 0 : EACCES;
}

void raise_os_error(int err, const somna::Error& e) {
  PyObject* type = err == ENOENT   ? PyExc_FileNotFoundError
                   : err == EACCES ? PyExc_PermissionError
                                   : PyExc_OSError;
  const py::tuple args = py::make_tuple(err, std::string(e.what()), e.file());
  PyErr_SetObject(type, args.ptr());
}

void translate(std::exception_ptr p) {
  try {
    std::rethrow_exception(p);
  } catch (const analysis::AnalysisError& e) {
    PyErr_SetString(PyExc_ValueError, e.what());  // about the night, whatever it was read from
  } catch (const somna::Error& e) {
    const int err = file_errno(e.file());
    if (err != 0) {
      raise_os_error(err, e);
    } else {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  }
}

}  // namespace

void register_error_translation() {
  py::register_exception_translator(&translate);
}

}  // namespace somna::python
