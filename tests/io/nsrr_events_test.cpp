// NSRR XML event files (io/nsrr_events.hpp): a hand-made file in the documented schema
// (tests/data/nsrr/night-nsrr.xml) read as written, the event kinds and the hypnogram, and every
// kind of malformed file refused as an io::FormatError naming the file and the line.

#include "io/nsrr_events.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "common/error.hpp"

namespace somna::io {
namespace {

const std::string kGoodFile = std::string(SOMNA_SOURCE_DIR) + "/tests/data/nsrr/night-nsrr.xml";

// An NSRR file holding `events` (ScoredEvent bodies) inside the usual frame, one element a line.
std::string nsrr_xml(const std::string& events, const std::string& epoch = "30") {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PSGAnnotation>\n"
         "<SoftwareVersion>Compumedics</SoftwareVersion>\n<EpochLength>" +
         epoch + "</EpochLength>\n<ScoredEvents>\n" + events +
         "</ScoredEvents>\n</PSGAnnotation>\n";
}

std::string scored_event(const std::string& concept, const std::string& start,
                         const std::string& duration) {
  std::string e = "<ScoredEvent>\n<EventType>Respiratory|Respiratory</EventType>\n";
  if (!concept.empty()) e += "<EventConcept>" + concept + "</EventConcept>\n";
  if (!start.empty()) e += "<Start>" + start + "</Start>\n";
  if (!duration.empty()) e += "<Duration>" + duration + "</Duration>\n";
  return e + "</ScoredEvent>\n";
}

const std::string kApnea = "Obstructive apnea|Obstructive Apnea";

// The FormatError of parsing `text` as file "night-nsrr.xml"; fails the test when it parses.
FormatError parse_error(const std::string& text) {
  try {
    parse_nsrr_events(text, "night-nsrr.xml");
  } catch (const FormatError& e) {
    return e;
  }
  ADD_FAILURE() << "parsed: " << text;
  return FormatError({}, {});
}

void expect_error(const std::string& text, const std::string& message, const std::string& where) {
  const FormatError e = parse_error(text);
  EXPECT_EQ(e.file(), "night-nsrr.xml");
  EXPECT_NE(e.message().find(message), std::string::npos) << e.what();
  EXPECT_EQ(e.where(), where) << e.what();
}

TEST(NsrrEvents, ReadsTheHandMadeFile) {
  const NsrrAnnotations a = read_nsrr_events(kGoodFile);
  EXPECT_DOUBLE_EQ(a.epoch_s, 30);
  ASSERT_EQ(a.events.size(), 12u);
  EXPECT_EQ(a.events[0].concept, "Recording Start Time");
  EXPECT_EQ(a.events[0].type, "");
  EXPECT_DOUBLE_EQ(a.events[0].duration_s, 3600);
  EXPECT_EQ(a.events[0].line, 7u);
  const NsrrEvent& oa = a.events[5];
  EXPECT_EQ(oa.type, "Respiratory|Respiratory");
  EXPECT_EQ(oa.concept, kApnea);
  EXPECT_DOUBLE_EQ(oa.start_s, 605.5);
  EXPECT_DOUBLE_EQ(oa.duration_s, 20.2);
  EXPECT_EQ(oa.line, 38u);
}

TEST(NsrrEvents, TellsApneasHypopneasAndStages) {
  const NsrrAnnotations a = read_nsrr_events(kGoodFile);
  std::vector<std::string> apneas, hypopneas;
  for (const NsrrEvent& e : a.events) {
    if (is_apnea(e)) apneas.push_back(e.concept);
    if (is_hypopnea(e)) hypopneas.push_back(e.concept);
  }
  EXPECT_EQ(apneas, (std::vector<std::string>{kApnea, "Central apnea|Central Apnea",
                                              "Mixed apnea|Mixed Apnea"}));
  EXPECT_EQ(hypopneas, std::vector<std::string>{"Hypopnea|Hypopnea"});  // not Unsure, not SpO2
  EXPECT_EQ(sleep_stage(a.events[1]), 0);
  EXPECT_EQ(sleep_stage(a.events[2]), 2);
  EXPECT_EQ(sleep_stage(a.events[3]), 5);
  EXPECT_EQ(sleep_stage(a.events[4]), std::nullopt);  // Unscored|9
  EXPECT_EQ(sleep_stage(a.events[5]), std::nullopt);  // an apnea
  EXPECT_TRUE(is_apnea({"", "MIXED APNEA|APNEA-MIXED", 0, 10, 0}));
  EXPECT_TRUE(is_hypopnea({"", "Obstructive Hypopnea|Obstructive Hypopnea", 0, 10, 0}));
  EXPECT_FALSE(is_apnea({"", "Obstructive apnea desaturation", 0, 10, 0}));
  EXPECT_FALSE(is_apnea({"Stages|Stages", "Central apnea|2", 0, 30, 0}));  // a stage, code 2
  EXPECT_EQ(sleep_stage({"Stages|Stages", "Central apnea|2", 0, 30, 0}), 2);
}

TEST(NsrrEvents, EpochStagesFollowTheStageEvents) {
  const std::vector<int8_t> s = epoch_stages(read_nsrr_events(kGoodFile));
  ASSERT_EQ(s.size(), 100u);  // 3000 s of 30-s epochs; the unscored tail is not an epoch
  EXPECT_EQ(s[0], 0);
  EXPECT_EQ(s[9], 0);
  EXPECT_EQ(s[10], 2);
  EXPECT_EQ(s[59], 2);
  EXPECT_EQ(s[60], 5);
  EXPECT_EQ(s[99], 5);
  EXPECT_TRUE(
      epoch_stages(parse_nsrr_events(nsrr_xml(scored_event(kApnea, "0", "10")), "x")).empty());
}

TEST(NsrrEvents, AcceptsWhatTheSchemaAllows) {
  // No EpochLength (30 s), CRLF line ends, blanks around numbers, CDATA, an empty ScoredEvents.
  std::string text = nsrr_xml(scored_event(kApnea, " 12.5\n", "<![CDATA[10]]>"));
  text.replace(text.find("<EpochLength>30</EpochLength>"), 29, "");
  const NsrrAnnotations a = parse_nsrr_events(text, "x.xml");
  ASSERT_EQ(a.events.size(), 1u);
  EXPECT_DOUBLE_EQ(a.events[0].start_s, 12.5);
  EXPECT_DOUBLE_EQ(a.events[0].duration_s, 10);
  std::string crlf;
  for (char c : nsrr_xml(scored_event(kApnea, "1", "2"), "20")) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  const NsrrAnnotations b = parse_nsrr_events(crlf, "x.xml");
  EXPECT_DOUBLE_EQ(b.epoch_s, 20);
  EXPECT_EQ(b.events.at(0).line, 6u);
  EXPECT_TRUE(parse_nsrr_events(nsrr_xml(""), "x.xml").events.empty());
}

TEST(NsrrEvents, RefusesWhatIsNotAnNsrrFile) {
  expect_error("", "the file is empty", "");
  expect_error("Record,Minute,Label\na01,0,N\n", "no XML element", "");
  expect_error("\xEF\xBB\xBF<PSGAnnotation>\n<Scored Events>", "not well-formed XML", "line 2");
  expect_error("<PSGAnnotation>\n<ScoredEvents>\n<ScoredEvent>\n</ScoredEvents>\n",
               "not well-formed XML", "line 4");
  expect_error("<?xml version=\"1.0\"?>\n<CMPStudyConfig>\n</CMPStudyConfig>\n",
               "the root element is <CMPStudyConfig>, not <PSGAnnotation>", "line 2");
  expect_error("<?xml version=\"1.0\"?>\n<!-- nothing -->\n", "no XML element", "");
  expect_error("<PSGAnnotation>\n<EpochLength>30</EpochLength>\n</PSGAnnotation>\n",
               "no <ScoredEvents>", "line 1");
  expect_error(nsrr_xml("") + "<PSGAnnotation/>\n", "a second root element", "line 8");
  expect_error(std::string(kMaxNsrrXmlBytes + 1, ' '), "is read up to 64 MiB", "");
}

TEST(NsrrEvents, RefusesBadEventFields) {
  const std::string ok = scored_event(kApnea, "1", "10");  // lines 6-11
  // The second event starts on line 12; its fields follow one a line.
  expect_error(nsrr_xml(ok + scored_event("", "1", "10")), "event 2 has no <EventConcept>",
               "line 12");
  expect_error(nsrr_xml(ok + scored_event(kApnea, "", "10")), "event 2 has no <Start>", "line 12");
  expect_error(nsrr_xml(ok + scored_event(kApnea, "1", "")), "event 2 has no <Duration>",
               "line 12");
  expect_error(nsrr_xml(ok + scored_event(kApnea, "-5", "10")), "event 2: <Start> -5 is negative",
               "line 15");
  expect_error(nsrr_xml(ok + scored_event(kApnea, "1", "-0.5")),
               "event 2: <Duration> -0.5 is negative", "line 16");
  expect_error(nsrr_xml(ok + scored_event(kApnea, "abc", "10")),
               "event 2: <Start> 'abc' is not a number", "line 15");
  expect_error(nsrr_xml(ok + scored_event(kApnea, "1", "nan")),
               "event 2: <Duration> 'nan' is not a number", "line 16");
  expect_error(nsrr_xml(ok + scored_event(kApnea, "1", "1e999")), "is not a number", "line 16");
  expect_error(nsrr_xml(ok + scored_event(kApnea, "1e12", "10")), "event 2: <Start>", "line 15");
  expect_error(nsrr_xml(ok + scored_event(kApnea, "1e12", "10")), "is absurd", "line 15");
  expect_error(nsrr_xml(ok + scored_event(kApnea, "1", "<b>10</b>")), "is not a number", "line 16");
  expect_error(nsrr_xml(ok, "0"), "<EpochLength> '0' is not a number of seconds", "line 4");
  expect_error(nsrr_xml(ok, "thirty"), "<EpochLength> 'thirty'", "line 4");
}

TEST(NsrrEvents, ALargeFileReadsInLinearTime) {
  // 20,000 events (3 MB): counting each line from the file's start took seconds here.
  std::string events;
  for (int i = 0; i < 20000; ++i) events += scored_event(kApnea, std::to_string(i), "10");
  const auto t0 = std::chrono::steady_clock::now();
  const NsrrAnnotations a = parse_nsrr_events(nsrr_xml(events), "big.xml");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(a.events.size(), 20000u);
  EXPECT_EQ(a.events.back().line, 6u + 19999u * 6u);
  EXPECT_LT(seconds, 5.0);
}

TEST(NsrrEvents, MissingFileIsAFormatError) {
  EXPECT_THROW(read_nsrr_events("/nonexistent/night-nsrr.xml"), FormatError);
}

}  // namespace
}  // namespace somna::io
