#pragma once
// The .safetensors container, read and written without LibTorch: 8-byte little-endian header
// length N, N bytes of JSON ({name: {dtype, shape, data_offsets:[begin,end]}, "__metadata__":
// {string: string}}), then the raw little-endian tensor bytes. Somna's model files use it so that
// weights, architecture, normalisation and provenance travel in one file any tool can open.
// Every malformed file raises model::ModelError naming the file and the problem.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace somna::model {

struct StTensor {
  std::string dtype = "F32";   // "F32", "F64", "I64", "I32", "BF16", "F16", "U8", "BOOL", ...
  std::vector<int64_t> shape;  // empty = scalar
  std::vector<uint8_t> data;   // raw little-endian bytes, size = numel * dtype size
  size_t numel() const;
  // F32 only: the values (throws ModelError for another dtype).
  std::vector<float> as_f32(const std::string& file = {}, const std::string& name = {}) const;
  static StTensor from_f32(std::vector<int64_t> shape, const float* values);
};

struct StFile {
  std::map<std::string, StTensor> tensors;  // by name (written in name order)
  std::map<std::string, std::string> metadata;
};

// Bytes per element of a safetensors dtype; 0 when unknown.
size_t dtype_size(const std::string& dtype);

std::vector<uint8_t> encode_safetensors(const StFile& file);
// file: only names the source in error messages.
StFile parse_safetensors(const uint8_t* data, size_t size, const std::string& file);

StFile read_safetensors(const std::string& path);
void write_safetensors(const std::string& path, const StFile& file);

}  // namespace somna::model
