// libFuzzer target: MIT-format annotation files. Any input must parse or throw io::FormatError;
// what parses must survive a write/read round trip unchanged.

#include <cstdint>
#include <cstdlib>

#include "common/error.hpp"
#include "io/annotations.hpp"
#include "io/wfdb_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace somna::io;
  Annotations a;
  try {
    a = parse_annotations(data, size, "fuzz.atr");
  } catch (const FormatError&) {
    return 0;
  }
  for (const Annotation& x : a.items) {
    if (somna::io::wfdb::to_utf8(x.aux) != x.aux) std::abort();  // notes leave as valid UTF-8
  }
  std::vector<uint8_t> bytes;
  try {
    bytes = encode_annotations(a);
  } catch (const FormatError&) {
    return 0;  // e.g. aux text over 255 bytes: readable, but not written by WFDB tools
  }
  const Annotations b = parse_annotations(bytes.data(), bytes.size(), "fuzz.atr");
  if (a.items.size() != b.items.size() || a.fs != b.fs ||
      a.custom_labels.size() != b.custom_labels.size()) {
    std::abort();
  }
  for (size_t i = 0; i < a.items.size(); ++i) {
    const Annotation &x = a.items[i], &y = b.items[i];
    if (x.sample != y.sample || x.code != y.code || x.subtype != y.subtype || x.chan != y.chan ||
        x.num != y.num || x.aux != y.aux) {
      std::abort();
    }
  }
  return 0;
}
