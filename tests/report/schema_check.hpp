#pragma once
// A small JSON Schema checker for the keywords docs/night-report.schema.json uses (type, enum,
// required, properties, additionalProperties:false, items, minimum, maximum). Returns the first
// problem as "path: message", or "" when the document conforms.

#include <nlohmann/json.hpp>
#include <string>

namespace somna::testing {

inline bool schema_type_ok(const nlohmann::json& v, const std::string& t) {
  if (t == "object") return v.is_object();
  if (t == "array") return v.is_array();
  if (t == "string") return v.is_string();
  if (t == "boolean") return v.is_boolean();
  if (t == "null") return v.is_null();
  if (t == "integer") return v.is_number_integer();
  if (t == "number") return v.is_number();
  return false;
}

inline std::string schema_check(const nlohmann::json& v, const nlohmann::json& s,
                                const std::string& path = "$") {
  if (s.contains("type")) {
    bool ok = false;
    if (s["type"].is_array()) {
      for (const auto& t : s["type"]) ok = ok || schema_type_ok(v, t.get<std::string>());
    } else {
      ok = schema_type_ok(v, s["type"].get<std::string>());
    }
    if (!ok) return path + ": wrong type (" + std::string(v.type_name()) + ")";
  }
  if (s.contains("enum")) {
    bool ok = false;
    for (const auto& e : s["enum"]) ok = ok || e == v;
    if (!ok) return path + ": value not in enum: " + v.dump();
  }
  if (v.is_number()) {
    if (s.contains("minimum") && v.get<double>() < s["minimum"].get<double>()) {
      return path + ": below minimum";
    }
    if (s.contains("maximum") && v.get<double>() > s["maximum"].get<double>()) {
      return path + ": above maximum";
    }
  }
  if (v.is_object()) {
    if (s.contains("required")) {
      for (const auto& k : s["required"]) {
        if (!v.contains(k.get<std::string>())) return path + ": missing " + k.get<std::string>();
      }
    }
    const nlohmann::json props = s.value("properties", nlohmann::json::object());
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (props.contains(it.key())) {
        const std::string e = schema_check(it.value(), props[it.key()], path + "." + it.key());
        if (!e.empty()) return e;
      } else if (s.contains("additionalProperties") && s["additionalProperties"] == false) {
        return path + ": unexpected member " + it.key();
      }
    }
  }
  if (v.is_array() && s.contains("items")) {
    for (size_t i = 0; i < v.size(); ++i) {
      const std::string e = schema_check(v[i], s["items"], path + "[" + std::to_string(i) + "]");
      if (!e.empty()) return e;
    }
  }
  return {};
}

}  // namespace somna::testing
