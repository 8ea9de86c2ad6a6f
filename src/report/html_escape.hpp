#pragma once
// The one HTML escaper of Somna (reports, the evaluation page, the server's own pages): text made
// safe inside HTML elements and attribute values.

#include <string>

namespace somna::report {

std::string html_escape(const std::string& s);

}  // namespace somna::report
