#pragma once
// NSRR XML event annotations: the `<PSGAnnotation>` file the National Sleep Research Resource
// ships beside each EDF of its cohorts (SHHS, MESA, CFS, ...), e.g. shhs1-200001-nsrr.xml
// beside shhs1-200001.edf. Somna reads it for reference labels (apnea and hypopnea events, sleep
// stages) so that `somna eval` and `somna train` take NSRR nights; docs/formats.md describes
// what is read and the errors.
//
//   <PSGAnnotation>
//     <SoftwareVersion>Compumedics</SoftwareVersion>
//     <EpochLength>30</EpochLength>
//     <ScoredEvents>
//       <ScoredEvent>
//         <EventType>Respiratory|Respiratory</EventType>
//         <EventConcept>Obstructive apnea|Obstructive Apnea</EventConcept>
//         <Start>5765.8</Start>          <!-- seconds from the EDF's start -->
//         <Duration>15.3</Duration>      <!-- seconds -->
//         <SignalLocation>ABDO RES</SignalLocation>
//       </ScoredEvent>
//       ...
//
// The XML itself is parsed by pugixml (Debian's libpugixml); this file checks the schema and the
// numbers, so that any input is either events that make sense or an io::FormatError naming the
// file and the line.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace somna::io {

struct NsrrEvent {
  std::string type;       // <EventType>, e.g. "Respiratory|Respiratory"; may be empty
  std::string concept;    // <EventConcept>, e.g. "Obstructive apnea|Obstructive Apnea"
  double start_s = 0;     // <Start>: seconds from the recording's (EDF's) start
  double duration_s = 0;  // <Duration>: seconds
  size_t line = 0;        // 1-based line of its <ScoredEvent> in the file
};

struct NsrrAnnotations {
  double epoch_s = 30;            // <EpochLength>, 30 s when absent
  std::vector<NsrrEvent> events;  // every <ScoredEvent>, in file order
};

// Largest NSRR XML file read (SHHS and MESA nights are well under 10 MB).
constexpr size_t kMaxNsrrXmlBytes = size_t{64} << 20;
// Epoch lengths outside [1 s, 300 s] are refused as absurd (NSRR scores 30-s epochs).
constexpr double kMinNsrrEpochS = 1, kMaxNsrrEpochS = 300;

// Parses the text of an NSRR XML file; `file` names it in errors. Throws io::FormatError naming
// the file and "line N" (from pugixml's offsets) for: text that is not well-formed XML, a root
// that is not <PSGAnnotation>, no <ScoredEvents>, an <EpochLength> that is not a number in
// [1, 300] s, and a <ScoredEvent> ("event K", 1-based) without an <EventConcept>, or with a
// <Start> or <Duration> that is missing, not a number, negative, or beyond
// io::kMaxRecordingHours (72 h, the longest recording Somna reads). More than
// kMaxNsrrXmlBytes of text is an error too.
NsrrAnnotations parse_nsrr_events(std::string_view xml, const std::string& file);
// Reads and parses a file (at most kMaxNsrrXmlBytes). Errors as above; io::FormatError when it
// cannot be read, is empty or is too large.
NsrrAnnotations read_nsrr_events(const std::string& path);

// Obstructive, central or mixed apnea ("Obstructive apnea|Obstructive Apnea", ...): the name
// before '|' of the concept, compared case-insensitively. A stage event (EventType
// "Stages|Stages") is never an apnea or a hypopnea, whatever its concept.
bool is_apnea(const NsrrEvent& event);
// Hypopnea ("Hypopnea|Hypopnea", also obstructive/central/mixed hypopnea). "Unsure|Unsure" is
// neither (see docs/formats.md).
bool is_hypopnea(const NsrrEvent& event);

// Stage of a sleep-stage event (EventType "Stages|Stages", concept "NAME|CODE"): 0 wake, 1-4
// NREM stages, 5 REM; nullopt for any other event or code (e.g. "Unscored|9", "Movement|6").
std::optional<int> sleep_stage(const NsrrEvent& event);
constexpr bool is_sleep(int stage) {
  return stage >= 1 && stage <= 5;
}

// Stage of each epoch (epoch_s long, from the recording's start) from the stage events; kNoStage
// where none is scored. Empty when the file has no stage events.
constexpr int8_t kNoStage = -1;
std::vector<int8_t> epoch_stages(const NsrrAnnotations& annotations);

}  // namespace somna::io
