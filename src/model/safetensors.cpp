// .safetensors read/write (see safetensors.hpp).

#include "model/safetensors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "io/wfdb_util.hpp"

namespace somna::model {

namespace {
constexpr uint64_t kMaxHeader = 100u << 20;        // 100 MB of JSON is certainly not a model header
constexpr size_t kMaxModelFile = size_t{4} << 30;  // larger than any network Somna trains
}  // namespace

size_t dtype_size(const std::string& d) {
  if (d == "F64" || d == "I64" || d == "U64") return 8;
  if (d == "F32" || d == "I32" || d == "U32") return 4;
  if (d == "F16" || d == "BF16" || d == "I16" || d == "U16") return 2;
  if (d == "I8" || d == "U8" || d == "BOOL" || d == "F8_E4M3" || d == "F8_E5M2") return 1;
  return 0;
}

size_t StTensor::numel() const {
  size_t n = 1;
  for (int64_t s : shape) n *= static_cast<size_t>(s);
  return n;
}

std::vector<float> StTensor::as_f32(const std::string& file, const std::string& name) const {
  if (dtype != "F32")
    throw ModelError(file, "tensor '" + name + "' is " + dtype + ", expected F32");
  std::vector<float> v(numel());
  if (data.size() != v.size() * 4) throw ModelError(file, "tensor '" + name + "' has wrong size");
  if (!v.empty()) std::memcpy(v.data(), data.data(), data.size());  // little-endian host assumed
  return v;
}

StTensor StTensor::from_f32(std::vector<int64_t> shape, const float* values) {
  StTensor t;
  t.dtype = "F32";
  t.shape = std::move(shape);
  t.data.resize(t.numel() * 4);
  if (!t.data.empty()) std::memcpy(t.data.data(), values, t.data.size());
  return t;
}

std::vector<uint8_t> encode_safetensors(const StFile& f) {
  nlohmann::ordered_json h = nlohmann::ordered_json::object();
  if (!f.metadata.empty()) {
    nlohmann::ordered_json m = nlohmann::ordered_json::object();
    for (const auto& [k, v] : f.metadata) m[k] = v;
    h["__metadata__"] = m;
  }
  uint64_t off = 0;
  for (const auto& [name, t] : f.tensors) {
    if (name == "__metadata__") throw ModelError({}, "a tensor cannot be named __metadata__");
    const size_t es = dtype_size(t.dtype);
    if (es == 0) throw ModelError({}, "tensor '" + name + "': unknown dtype " + t.dtype);
    if (t.data.size() != t.numel() * es) {
      throw ModelError({}, fmt::format("tensor '{}': {} bytes for {} elements of {}", name,
                                       t.data.size(), t.numel(), t.dtype));
    }
    h[name] = {
        {"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {off, off + t.data.size()}}};
    off += t.data.size();
  }
  std::string js = h.dump();
  while ((8 + js.size()) % 8 != 0) js.push_back(' ');  // align the data (allowed by the format)
  std::vector<uint8_t> out(8);
  const uint64_t n = js.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(n >> (8 * i));
  out.insert(out.end(), js.begin(), js.end());
  for (const auto& kv : f.tensors)
    out.insert(out.end(), kv.second.data.begin(), kv.second.data.end());
  return out;
}

StFile parse_safetensors(const uint8_t* data, size_t size, const std::string& file) {
  if (size < 8)
    throw ModelError(file, fmt::format("{} bytes: too short for a safetensors file", size));
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= uint64_t(data[i]) << (8 * i);
  if (n > kMaxHeader || n > size - 8) {
    throw ModelError(file, fmt::format("header length {} exceeds the file ({} bytes)", n, size),
                     "byte 0");
  }
  nlohmann::json h;
  try {
    h = nlohmann::json::parse(data + 8, data + 8 + n);
  } catch (const std::exception& e) {
    throw ModelError(file, std::string("header is not valid JSON: ") + e.what(), "byte 8");
  }
  if (!h.is_object()) throw ModelError(file, "header is not a JSON object", "byte 8");
  const uint64_t base = 8 + n, body = size - base;
  StFile out;
  std::vector<std::pair<uint64_t, uint64_t>> spans;
  for (auto it = h.begin(); it != h.end(); ++it) {
    const std::string& name = it.key();
    const nlohmann::json& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) throw ModelError(file, "__metadata__ is not an object");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string()) {
          throw ModelError(file, "__metadata__ value '" + m.key() + "' is not a string");
        }
        out.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const std::string where = "tensor '" + name + "'";
    if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") ||
        !v.contains("data_offsets") || !v["dtype"].is_string() || !v["shape"].is_array() ||
        !v["data_offsets"].is_array() || v["data_offsets"].size() != 2) {
      throw ModelError(file, "entry needs dtype, shape and data_offsets [begin, end]", where);
    }
    StTensor t;
    t.dtype = v["dtype"].get<std::string>();
    const size_t es = dtype_size(t.dtype);
    if (es == 0) throw ModelError(file, "unknown dtype '" + t.dtype + "'", where);
    uint64_t numel = 1;
    for (const auto& s : v["shape"]) {
      if (!s.is_number_integer() || s.get<int64_t>() < 0) {
        throw ModelError(file, "shape holds a negative or non-integer size", where);
      }
      const uint64_t d = s.get<uint64_t>();
      if (d != 0 && numel > body / d) throw ModelError(file, "shape larger than the file", where);
      numel *= d;
      t.shape.push_back(static_cast<int64_t>(d));
    }
    const auto& o = v["data_offsets"];
    if (!o[0].is_number_unsigned() || !o[1].is_number_unsigned()) {
      throw ModelError(file, "data_offsets are not non-negative integers", where);
    }
    const uint64_t b = o[0].get<uint64_t>(), e = o[1].get<uint64_t>();
    if (b > e || e > body) {
      throw ModelError(
          file, fmt::format("data_offsets [{}, {}] outside the {} data bytes", b, e, body), where);
    }
    if (e - b != numel * es) {
      throw ModelError(
          file, fmt::format("{} bytes for shape of {} {} elements", e - b, numel, t.dtype), where);
    }
    spans.emplace_back(b, e);
    t.data.assign(data + base + b, data + base + e);
    out.tensors[name] = std::move(t);
  }
  std::sort(spans.begin(), spans.end());
  for (size_t i = 1; i < spans.size(); ++i) {
    if (spans[i].first < spans[i - 1].second) throw ModelError(file, "tensors overlap in the data");
  }
  return out;
}

StFile read_safetensors(const std::string& path) {
  std::vector<uint8_t> bytes;
  try {  // in one read (byte by byte through a stream it was ~40 % of loading the default model)
    bytes = io::wfdb::read_binary_file(path, kMaxModelFile);
  } catch (const io::FormatError& e) {
    throw ModelError(path, "cannot read the model file: " + e.message());
  }
  return parse_safetensors(bytes.data(), bytes.size(), path);
}

void write_safetensors(const std::string& path, const StFile& file) {
  const std::vector<uint8_t> bytes = encode_safetensors(file);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw ModelError(path, "cannot write the model file");
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw ModelError(path, "write failed");
}

}  // namespace somna::model
