// NSRR XML events: pugixml builds the tree (well-formedness, escapes, CDATA); a small reader
// walks <PSGAnnotation>/<ScoredEvents>/<ScoredEvent> and checks each field, turning pugixml's
// byte offsets into line numbers for the messages.

#include "io/nsrr_events.hpp"

#include <fmt/format.h>
#include <strings.h>

#include <algorithm>
#include <cmath>
#include <pugixml.hpp>

#include "common/error.hpp"
#include "common/text_format.hpp"
#include "io/record.hpp"
#include "io/wfdb_util.hpp"

namespace somna::io {

namespace {

constexpr double kMaxEventSeconds = kMaxRecordingHours * 3600;

// The part of a "Name|Code" concept before '|' (all of it when there is none).
std::string_view concept_name(const std::string& concept) {
  return std::string_view(concept).substr(0, concept.find('|'));
}

bool name_is_one_of(std::string_view name, std::initializer_list<std::string_view> names) {
  return std::any_of(names.begin(), names.end(), [name](std::string_view n) {
    return n.size() == name.size() && ::strncasecmp(n.data(), name.data(), n.size()) == 0;
  });
}

// EventType "Stages|Stages": a hypnogram entry, whatever its concept says.
bool is_stage_event(const NsrrEvent& event) {
  return name_is_one_of(concept_name(event.type), {"Stages"});
}

class Reader {
 public:
  Reader(std::string_view text, const std::string& file) : text_(text), file_(file) {}

  NsrrAnnotations read() {
    if (text_.empty()) fail("the file is empty (expected NSRR XML, <PSGAnnotation>)");
    parse_xml();
    const pugi::xml_node root = root_element();
    NsrrAnnotations out;
    out.epoch_s = epoch_length(root);
    const pugi::xml_node events = root.child("ScoredEvents");
    if (!events) fail("no <ScoredEvents> in <PSGAnnotation>", line_of(root));
    for (const pugi::xml_node e : events.children("ScoredEvent")) {
      out.events.push_back(scored_event(e, out.events.size() + 1));
    }
    return out;
  }

 private:
  [[noreturn]] void fail(const std::string& message, size_t line = 0) const {
    throw FormatError(file_, message, line > 0 ? "line " + std::to_string(line) : std::string());
  }

  // The 1-based line of a byte offset. Counted from the last offset asked for: the events are
  // visited in file order, so reading a whole file counts its newlines about once (counting from
  // the start each time made a file of a million events quadratic).
  size_t line_at(ptrdiff_t offset) const {
    const size_t to = std::min(text_.size(), static_cast<size_t>(std::max<ptrdiff_t>(0, offset)));
    const auto newlines = [this](size_t a, size_t b) {
      return static_cast<size_t>(std::count(text_.begin() + a, text_.begin() + b, '\n'));
    };
    line_ = to >= at_ ? line_ + newlines(at_, to) : line_ - newlines(to, at_);
    at_ = to;
    return line_;
  }
  size_t line_of(const pugi::xml_node& node) const { return line_at(node.offset_debug()); }

  void parse_xml() {
    const unsigned options = pugi::parse_default | pugi::parse_trim_pcdata;
    const pugi::xml_parse_result r =
        doc_.load_buffer(text_.data(), text_.size(), options, pugi::encoding_utf8);
    if (r.status == pugi::status_no_document_element)
      fail("no XML element: not an NSRR event file (expected <PSGAnnotation>)");
    if (!r) fail(std::string("not well-formed XML: ") + r.description(), line_at(r.offset));
  }

  pugi::xml_node root_element() const {
    const pugi::xml_node root = doc_.document_element();  // parse_xml made sure there is one
    if (std::string_view(root.name()) != "PSGAnnotation") {
      fail(fmt::format("the root element is <{}>, not <PSGAnnotation> (an NSRR event file)",
                       wfdb::to_utf8(root.name())),
           line_of(root));
    }
    for (pugi::xml_node n = root.next_sibling(); n; n = n.next_sibling()) {
      if (n.type() == pugi::node_element)
        fail("a second root element after </PSGAnnotation>", line_of(n));
    }
    return root;
  }

  double epoch_length(const pugi::xml_node& root) const {
    const pugi::xml_node e = root.child("EpochLength");
    if (!e) return 30;
    const auto v = wfdb::parse_double(e.text().get());
    if (!v || !(*v >= kMinNsrrEpochS && *v <= kMaxNsrrEpochS)) {
      fail(fmt::format("<EpochLength> '{}' is not a number of seconds in [{}, {}]",
                       shown(e.text().get()), kMinNsrrEpochS, kMaxNsrrEpochS),
           line_of(e));
    }
    return *v;
  }

  NsrrEvent scored_event(const pugi::xml_node& node, size_t index) const {
    NsrrEvent ev;
    ev.line = line_of(node);
    ev.type = wfdb::to_utf8(node.child("EventType").text().get());
    ev.concept = wfdb::to_utf8(node.child("EventConcept").text().get());
    if (ev.concept.empty()) fail(fmt::format("event {} has no <EventConcept>", index), ev.line);
    ev.start_s = seconds(node, "Start", index);
    ev.duration_s = seconds(node, "Duration", index);
    return ev;
  }

  // The number of seconds in child `field` of event `index`: present, a plain decimal number, in
  // [0, 72 h].
  double seconds(const pugi::xml_node& event, const char* field, size_t index) const {
    const pugi::xml_node f = event.child(field);
    const size_t line = f ? line_of(f) : line_of(event);
    if (!f) fail(fmt::format("event {} has no <{}>", index, field), line);
    const char* text = f.text().get();
    const auto v = wfdb::parse_double(text);
    if (!v)
      fail(fmt::format("event {}: <{}> '{}' is not a number", index, field, shown(text)), line);
    if (*v < 0) fail(fmt::format("event {}: <{}> {} is negative", index, field, shown(text)), line);
    if (*v > kMaxEventSeconds) {
      fail(fmt::format("event {}: <{}> {} is absurd (more than {}, the longest recording "
                       "Somna reads)",
                       index, field, duration_text(*v), duration_text(kMaxEventSeconds)),
           line);
    }
    return *v;
  }

  // A field's text as a message shows it: valid UTF-8, at most 40 characters.
  static std::string shown(std::string_view text) {
    const std::string s = wfdb::to_utf8(text.substr(0, 40));
    return text.size() > 40 ? s + "..." : s;
  }

  std::string_view text_;
  const std::string& file_;
  pugi::xml_document doc_;
  mutable size_t at_ = 0, line_ = 1;  // line_at's last offset and its line
};

}  // namespace

NsrrAnnotations parse_nsrr_events(std::string_view xml, const std::string& file) {
  if (xml.size() > kMaxNsrrXmlBytes) {
    throw FormatError(
        file, fmt::format("the file is {} bytes; an NSRR XML file is read up to {} MiB", xml.size(),
                          kMaxNsrrXmlBytes >> 20));
  }
  return Reader(xml, file).read();
}

NsrrAnnotations read_nsrr_events(const std::string& path) {
  return parse_nsrr_events(wfdb::read_text_file(path, kMaxNsrrXmlBytes), path);
}

bool is_apnea(const NsrrEvent& event) {
  return !is_stage_event(event) &&
         name_is_one_of(concept_name(event.concept),
                        {"Obstructive apnea", "Central apnea", "Mixed apnea"});
}

bool is_hypopnea(const NsrrEvent& event) {
  return !is_stage_event(event) &&
         name_is_one_of(concept_name(event.concept),
                        {"Hypopnea", "Obstructive hypopnea", "Central hypopnea", "Mixed hypopnea"});
}

std::optional<int> sleep_stage(const NsrrEvent& event) {
  if (!is_stage_event(event)) return std::nullopt;
  const size_t bar = event.concept.find('|');
  if (bar == std::string::npos) return std::nullopt;
  const std::string_view code = std::string_view(event.concept).substr(bar + 1);
  if (code.size() != 1 || code[0] < '0' || code[0] > '5') return std::nullopt;
  return code[0] - '0';
}

std::vector<int8_t> epoch_stages(const NsrrAnnotations& a) {
  std::vector<int8_t> stages;
  for (const NsrrEvent& e : a.events) {
    const std::optional<int> stage = sleep_stage(e);
    if (!stage) continue;
    // Stage events cover whole epochs (NSRR merges runs of one stage into one event).
    const auto first = static_cast<size_t>(std::llround(e.start_s / a.epoch_s));
    const auto count = static_cast<size_t>(std::llround(e.duration_s / a.epoch_s));
    if (stages.size() < first + count) stages.resize(first + count, kNoStage);
    std::fill_n(stages.begin() + static_cast<ptrdiff_t>(first), count, static_cast<int8_t>(*stage));
  }
  return stages;
}

}  // namespace somna::io
