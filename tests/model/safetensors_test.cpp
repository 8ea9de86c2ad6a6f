// The .safetensors container: a hand-made file checked byte by byte, round trips, bad files.
#include "model/safetensors.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "common/error.hpp"

using namespace somna::model;

namespace {
std::vector<uint8_t> with_header(const std::string& json, const std::vector<uint8_t>& data) {
  std::vector<uint8_t> b(8);
  const uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) b[size_t(i)] = uint8_t(n >> (8 * i));
  b.insert(b.end(), json.begin(), json.end());
  b.insert(b.end(), data.begin(), data.end());
  return b;
}
}  // namespace

TEST(Safetensors, EncodesHandMadeFileByteByByte) {
  StFile f;
  const float v[2] = {1.0f, -2.0f};
  f.tensors["w"] = StTensor::from_f32({2}, v);
  f.metadata["k"] = "x";
  const auto bytes = encode_safetensors(f);
  std::string json =
      R"({"__metadata__":{"k":"x"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  while ((8 + json.size()) % 8) json += ' ';
  // 1.0f = 00 00 80 3F, -2.0f = 00 00 00 C0 (IEEE 754 little-endian).
  const auto expected = with_header(json, {0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0});
  ASSERT_EQ(bytes.size(), expected.size());
  EXPECT_EQ(bytes, expected);
  EXPECT_EQ(bytes[0], uint8_t(json.size()));
  EXPECT_EQ(bytes[1], 0);
}

TEST(Safetensors, ParsesHandMadeFile) {
  const std::string json =
      R"({"b":{"dtype":"I64","shape":[],"data_offsets":[4,12]},"a":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]},"__metadata__":{"m":"{\"x\":1}"}})";
  const auto bytes = with_header(json, {0, 0, 0x80, 0x3F, 7, 0, 0, 0, 0, 0, 0, 0});
  const StFile f = parse_safetensors(bytes.data(), bytes.size(), "hand.safetensors");
  ASSERT_EQ(f.tensors.size(), 2u);
  EXPECT_EQ(f.tensors.at("a").as_f32()[0], 1.0f);
  EXPECT_EQ(f.tensors.at("a").shape, (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(f.tensors.at("b").dtype, "I64");
  EXPECT_EQ(f.tensors.at("b").data[0], 7);
  EXPECT_EQ(f.metadata.at("m"), R"({"x":1})");
}

TEST(Safetensors, RoundTrips) {
  StFile f;
  std::vector<float> v(24);
  for (size_t i = 0; i < v.size(); ++i) v[i] = float(i) * 0.5f - 3;
  f.tensors["layer.weight"] = StTensor::from_f32({2, 3, 4}, v.data());
  f.tensors["layer.bias"] = StTensor::from_f32({2}, v.data());
  f.metadata["somna.format"] = "somna-model/1";
  const auto b = encode_safetensors(f);
  const StFile g = parse_safetensors(b.data(), b.size(), "x");
  EXPECT_EQ(g.tensors.at("layer.weight").as_f32(), v);
  EXPECT_EQ(g.tensors.at("layer.weight").shape, (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(g.metadata, f.metadata);
}

TEST(Safetensors, RejectsBadFiles) {
  auto bad = [](const std::vector<uint8_t>& b, const std::string& what) {
    try {
      parse_safetensors(b.data(), b.size(), "bad.safetensors");
      ADD_FAILURE() << "accepted: " << what;
    } catch (const somna::model::ModelError& e) {
      EXPECT_EQ(e.file(), "bad.safetensors");
    }
  };
  bad({1, 2, 3}, "too short");
  bad(with_header("{", {}), "bad JSON");
  bad(with_header("[]", {}), "not an object");
  std::vector<uint8_t> huge(8, 0xFF);
  bad(huge, "header length beyond the file");
  bad(with_header(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", {0, 0, 0, 0}),
      "offsets beyond data");
  bad(with_header(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
                  std::vector<uint8_t>(8)),
      "size mismatch");
  bad(with_header(R"({"a":{"dtype":"Q7","shape":[1],"data_offsets":[0,1]}})", {0}),
      "unknown dtype");
  bad(with_header(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})",
                  std::vector<uint8_t>(4)),
      "negative shape");
  bad(with_header(
          R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}})",
          std::vector<uint8_t>(8)),
      "overlap");
  bad(with_header(R"({"__metadata__":{"a":1}})", {}), "non-string metadata");
  EXPECT_THROW(read_safetensors("/nonexistent/x.safetensors"), somna::model::ModelError);
}
