// WFDB (MIT format) annotation files. Each annotation is a 16-bit little-endian word: the top 6
// bits are a code A, the low 10 bits a number I. A = 1..49 is an annotation I samples after the
// previous one; A = 0 with I > 0 only moves the clock; the pseudo-codes that follow an annotation
// modify it: SKIP (59, then a 32-bit interval stored high half first), NUM (60), SUB (61),
// CHN (62) and AUX (63, then I bytes of text, padded to an even length). A zero word ends the
// file. NUM and CHN carry over to later annotations; SUB and AUX belong to one annotation only.
// Values are narrowed as the WFDB library stores them: subtype and num as signed char, chan as
// unsigned char.

#include "io/annotations.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "common/error.hpp"
#include "io/file_write.hpp"
#include "io/wfdb_header.hpp"
#include "io/wfdb_util.hpp"

namespace somna::io {

namespace {

constexpr int kMaxCode = 49;  // ACMAX in the WFDB library
constexpr int kSkip = 59, kNum = 60, kSub = 61, kChn = 62, kAux = 63;
constexpr size_t kMaxAnnotationFileBytes = size_t{1} << 30;

// The WFDB library's mnemonic for each code (ecgcodes.h / annot.c); unassigned codes read "[n]".
const char* const kMnemonics[kMaxCode + 1] = {
    " ", "N", "L",    "R",    "a",    "V",    "F",    "J",    "A",    "S",    "E",   "j", "/",
    "Q", "~", "[15]", "|",    "[17]", "s",    "T",    "*",    "D",    "\"",   "=",   "p", "B",
    "^", "t", "+",    "u",    "?",    "!",    "[",    "]",    "e",    "n",    "@",   "x", "f",
    "(", ")", "r",    "[42]", "[43]", "[44]", "[45]", "[46]", "[47]", "[48]", "[49]"};

// isqrs[] of the WFDB library: codes that denote a QRS complex (a heartbeat).
constexpr bool kIsBeat[kMaxCode + 1] = {
    false, true,  true,  true,  true,  true,  true,  true,  true,  true,   // 0-9
    true,  true,  true,  true,  false, false, false, false, false, false,  // 10-19
    false, false, false, false, false, true,  false, false, false, false,  // 20-29
    false, false, false, false, true,  true,  false, false, true,  false,  // 30-39
    false, true,  false, false, false, false, false, false, false, false,  // 40-49
};

const std::string kTimeResolution = "## time resolution: ";
const std::string kDefinitionsBegin = "## annotation type definitions";
const std::string kDefinitionsEnd = "## end of definitions";

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// Removes the leading "## ..." notes at sample 0 (time resolution, label definitions), taking
// what they say into the Annotations.
void take_leading_notes(Annotations& out) {
  size_t k = 0;
  bool in_definitions = false;
  for (; k < out.items.size(); ++k) {
    const Annotation& a = out.items[k];
    if (a.sample != 0 || a.code != ann::NOTE) break;
    if (starts_with(a.aux, kTimeResolution)) {
      const auto fs = wfdb::parse_double(a.aux.substr(kTimeResolution.size()));
      if (fs && *fs > 0) out.fs = *fs;
    } else if (starts_with(a.aux, kDefinitionsBegin)) {
      in_definitions = true;
    } else if (starts_with(a.aux, kDefinitionsEnd)) {
      in_definitions = false;
    } else if (in_definitions) {
      // "code symbol description"
      std::string text = a.aux;
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
      const size_t s1 = text.find(' ');
      const size_t s2 = s1 == std::string::npos ? s1 : text.find(' ', s1 + 1);
      const auto code = wfdb::parse_int(text.substr(0, s1));
      if (!code || *code < 1 || *code > kMaxCode || s1 == std::string::npos) break;
      AnnotationLabel label;
      label.code = static_cast<int>(*code);
      label.symbol = text.substr(s1 + 1, s2 == std::string::npos ? s2 : s2 - s1 - 1);
      if (label.symbol.empty() || std::any_of(label.symbol.begin(), label.symbol.end(), [](char c) {
            return static_cast<unsigned char>(c) <= ' ' || c == 0x7F;
          })) {
        break;  // not a label definition: the note stays an annotation
      }
      if (s2 != std::string::npos) label.description = text.substr(s2 + 1);
      out.custom_labels.push_back(std::move(label));
    } else {
      break;
    }
  }
  out.items.erase(out.items.begin(), out.items.begin() + static_cast<std::ptrdiff_t>(k));
}

std::string byte_at(size_t pos) {
  return "byte " + std::to_string(pos);
}

}  // namespace

std::string code_mnemonic(int code) {
  if (code < 0 || code > kMaxCode) return "[" + std::to_string(code) + "]";
  return kMnemonics[code];
}

int code_from_mnemonic(const std::string& mnemonic) {
  for (int code = 0; code <= kMaxCode; ++code) {
    if (mnemonic == kMnemonics[code]) return code;
  }
  return -1;
}

bool is_beat_code(int code) {
  return code >= 0 && code <= kMaxCode && kIsBeat[code];
}

Annotations parse_annotations(const uint8_t* data, size_t size, const std::string& file) {
  Annotations out;
  out.path = file;
  int64_t time = 0;
  int num = 0, chan = 0;
  bool has_current = false;  // whether modifiers have an annotation to apply to
  size_t pos = 0;
  bool ended = false;
  auto u16 = [&](size_t p) { return static_cast<unsigned>(data[p] | (data[p + 1] << 8)); };
  while (pos + 2 <= size) {
    const size_t at = pos;
    const unsigned word = u16(pos);
    pos += 2;
    if (word == 0) {
      ended = true;
      break;
    }
    const int code = static_cast<int>(word >> 10);
    const unsigned value = word & 0x3FF;
    Annotation* current = has_current ? &out.items.back() : nullptr;
    switch (code) {
      case kSkip: {
        if (pos + 4 > size) throw FormatError(file, "truncated SKIP interval", byte_at(at));
        const uint32_t raw = (static_cast<uint32_t>(u16(pos)) << 16) | u16(pos + 2);
        pos += 4;
        time += static_cast<int32_t>(raw);
        break;
      }
      case kNum:
        num = static_cast<int8_t>(value & 0xFF);
        if (current) current->num = num;
        break;
      case kSub:
        if (current) current->subtype = static_cast<int8_t>(value & 0xFF);
        break;
      case kChn:
        chan = static_cast<int>(value & 0xFF);
        if (current) current->chan = chan;
        break;
      case kAux: {
        const size_t padded = value + (value & 1);
        if (pos + value > size) {
          throw FormatError(file,
                            "AUX field of " + std::to_string(value) + " bytes runs past the end",
                            byte_at(at));
        }
        if (current) {
          const char* text = reinterpret_cast<const char*>(data + pos);
          current->aux = wfdb::to_utf8(std::string_view(text, strnlen(text, value)));
        }
        pos = std::min(size, pos + padded);
        break;
      }
      case 0:  // NOTQRS: advances the clock, is not an annotation
        time += value;
        has_current = false;
        break;
      default:
        if (code > kMaxCode) {
          throw FormatError(
              file,
              "invalid annotation code " + std::to_string(code) + " (not a WFDB annotation file?)",
              byte_at(at));
        }
        time += value;
        if (time < 0) {
          throw FormatError(file, "annotation at negative sample " + std::to_string(time),
                            byte_at(at));
        }
        Annotation a;
        a.sample = time;
        a.code = code;
        a.chan = chan;
        a.num = num;
        out.items.push_back(std::move(a));
        has_current = true;
        break;
    }
  }
  if (!ended && pos != size) {
    throw FormatError(file, "odd trailing byte (MIT annotation files hold 16-bit words)",
                      byte_at(pos));
  }
  take_leading_notes(out);
  return out;
}

std::vector<uint8_t> encode_annotations(const Annotations& annotations) {
  const std::string& file = annotations.path;
  std::vector<uint8_t> out;
  out.reserve(annotations.items.size() * 2 + 64);
  auto word = [&](int code, unsigned value) {
    const unsigned w = (static_cast<unsigned>(code) << 10) | (value & 0x3FF);
    out.push_back(static_cast<uint8_t>(w & 0xFF));
    out.push_back(static_cast<uint8_t>(w >> 8));
  };
  auto aux = [&](const std::string& text, size_t index) {
    if (text.size() > 255) {
      throw FormatError(file, "aux text longer than 255 bytes",
                        "annotation " + std::to_string(index));
    }
    word(kAux, static_cast<unsigned>(text.size()));
    out.insert(out.end(), text.begin(), text.end());
    if (text.size() & 1) out.push_back(0);
  };
  auto note_at_zero = [&](const std::string& text) {
    word(ann::NOTE, 0);
    aux(text, 0);
  };
  if (annotations.fs > 0 && std::isfinite(annotations.fs)) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", annotations.fs);
    note_at_zero(kTimeResolution + buf);
  }
  if (!annotations.custom_labels.empty()) {
    note_at_zero(kDefinitionsBegin);
    for (const AnnotationLabel& label : annotations.custom_labels) {
      if (label.code < 1 || label.code > kMaxCode || label.symbol.empty() ||
          label.symbol.find(' ') != std::string::npos) {
        throw FormatError(file, "bad custom label for code " + std::to_string(label.code));
      }
      std::string text = std::to_string(label.code) + " " + label.symbol;
      if (!label.description.empty()) text += " " + label.description;
      note_at_zero(text);
    }
    note_at_zero(kDefinitionsEnd);
  }
  int64_t previous = 0;
  int num = 0, chan = 0;
  for (size_t i = 0; i < annotations.items.size(); ++i) {
    const Annotation& a = annotations.items[i];
    const std::string where = "annotation " + std::to_string(i);
    if (a.code < 1 || a.code > kMaxCode) {
      throw FormatError(file, "code " + std::to_string(a.code) + " is outside 1..49", where);
    }
    if (a.subtype < -128 || a.subtype > 127 || a.num < -128 || a.num > 127 || a.chan < 0 ||
        a.chan > 255) {
      throw FormatError(file, "subtype/num must be in -128..127 and chan in 0..255", where);
    }
    if (a.sample < previous) {
      throw FormatError(file,
                        "annotations are not sorted by sample (" + std::to_string(a.sample) +
                            " after " + std::to_string(previous) + ")",
                        where);
    }
    int64_t diff = a.sample - previous;
    previous = a.sample;
    if (diff > 0x3FF) {
      while (diff > 0) {
        const int64_t step = std::min<int64_t>(diff, INT32_MAX);
        const uint32_t v = static_cast<uint32_t>(step);
        word(kSkip, 0);
        for (unsigned half : {v >> 16, v & 0xFFFFu}) {
          out.push_back(static_cast<uint8_t>(half & 0xFF));
          out.push_back(static_cast<uint8_t>(half >> 8));
        }
        diff -= step;
      }
    }
    word(a.code, static_cast<unsigned>(diff));
    if (a.subtype != 0) word(kSub, static_cast<unsigned>(a.subtype) & 0x3FF);
    if (a.chan != chan) {
      word(kChn, static_cast<unsigned>(a.chan));
      chan = a.chan;
    }
    if (a.num != num) {
      word(kNum, static_cast<unsigned>(a.num) & 0x3FF);
      num = a.num;
    }
    if (!a.aux.empty()) {
      if (a.aux.find('\0') != std::string::npos) {
        throw FormatError(file, "aux text contains a NUL byte", where);
      }
      aux(a.aux, i);
    }
  }
  word(0, 0);
  return out;
}

Annotations read_annotations(const std::string& record_path, const std::string& extension) {
  std::string path, base;
  if (extension.empty()) {
    path = record_path;
    const std::string name = wfdb::base_name(path);
    const size_t dot = name.find_last_of('.');
    base = dot == std::string::npos ? path : path.substr(0, path.size() - (name.size() - dot));
  } else {
    base = record_path;
    if (base.size() > 4 && base.compare(base.size() - 4, 4, ".hea") == 0) {
      base.resize(base.size() - 4);
    }
    path = base + "." + extension;
  }
  const std::vector<uint8_t> bytes = wfdb::read_binary_file(path, kMaxAnnotationFileBytes);
  // Even a file without annotations ends with the 0x0000 end word: an empty one is not one.
  if (bytes.empty()) throw FormatError(path, "annotation file is empty");
  Annotations out = parse_annotations(bytes.data(), bytes.size(), path);
  if (out.fs <= 0) {
    const std::string hea = base + ".hea";
    if (wfdb::file_exists(hea)) {
      try {
        out.fs = read_wfdb_header(hea).fs;
      } catch (const Error&) {
        // A broken header beside the file does not stop the annotations from being read; their
        // frequency just stays unknown (0).
      }
    }
  }
  return out;
}

void write_annotations(const std::string& path, const Annotations& annotations) {
  Annotations named = annotations;
  named.path = path;
  const std::vector<uint8_t> bytes = encode_annotations(named);
  write_file(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace somna::io
