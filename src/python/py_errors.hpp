#pragma once
// Somna's errors as Python exceptions, with Somna's message: a file (recording, model) that is
// missing or cannot be read -> FileNotFoundError / PermissionError (errno and filename set);
// anything else Somna rejects (a malformed file, a bad argument, a night that cannot be analysed,
// a bad model file) -> ValueError.

namespace somna::python {

// Registers the translator with pybind11; called once from the module's initialisation.
void register_error_translation();

}  // namespace somna::python
