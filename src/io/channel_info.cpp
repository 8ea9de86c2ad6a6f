#include "io/channel_info.hpp"

#include <array>
#include <cctype>

namespace somna::io {

std::string label_key(std::string_view label) {
  std::string out;
  out.reserve(label.size());
  for (char c : label) {
    if (c == ' ' || c == '_' || c == '-' || c == '\t') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool is_ecg_label(std::string_view label) {
  const std::string key = label_key(label);
  if (key.empty()) return false;
  if (key.find("ecg") != std::string::npos || key.find("ekg") != std::string::npos) return true;
  static const std::array<const char*, 17> kLeads = {"mlii", "mli", "mliii", "ml5", "v",  "v1",
                                                     "v2",   "v3",  "v4",    "v5",  "v6", "i",
                                                     "ii",   "iii", "avr",   "avl", "avf"};
  for (const char* lead : kLeads)
    if (key == lead) return true;
  return key.rfind("lead", 0) == 0;
}

std::string normalize_units(std::string_view units) {
  std::string out;
  for (size_t i = 0; i < units.size(); ++i) {
    const auto c = static_cast<unsigned char>(units[i]);
    if (c == 0xB5) {  // Latin-1 micro sign
      out += 'u';
    } else if (c == 0xB0) {  // Latin-1 degree sign
      out += "deg";
    } else if (c == 0xC2 && i + 1 < units.size() &&
               static_cast<unsigned char>(units[i + 1]) == 0xB0) {  // UTF-8 degree sign
      out += "deg";
      ++i;
    } else if ((c == 0xC2 && i + 1 < units.size() &&
                static_cast<unsigned char>(units[i + 1]) == 0xB5) ||
               (c == 0xCE && i + 1 < units.size() &&
                static_cast<unsigned char>(units[i + 1]) == 0xBC)) {  // UTF-8 µ / μ
      out += 'u';
      ++i;
    } else if (c >= 32 && c < 127) {
      out += static_cast<char>(c);
    } else {
      out += '?';
    }
  }
  const size_t first = out.find_first_not_of(' ');
  if (first == std::string::npos) return {};
  const size_t last = out.find_last_not_of(' ');
  return out.substr(first, last - first + 1);
}

double millivolt_factor(std::string_view units) {
  std::string u = normalize_units(units);
  for (char& c : u) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (u == "mv" || u == "millivolt" || u == "millivolts") return 1.0;
  if (u == "uv" || u == "microvolt" || u == "microvolts") return 1e-3;
  if (u == "v" || u == "volt" || u == "volts") return 1e3;
  if (u == "nv" || u == "nanovolt" || u == "nanovolts") return 1e-6;
  return 0.0;
}

}  // namespace somna::io
