// PhysioNet/CinC Challenge 2000 answers (io/challenge_answers.hpp): the layout of Apnea-ECG's
// event-2-answers file read as written there, written and read back unchanged, and every kind
// of malformed file refused with its file and line named.

#include "io/challenge_answers.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "common/error.hpp"
#include "common/temp_dir.hpp"

namespace somna::io {
namespace {

std::string letters(size_t n, const std::string& pattern = "NNAAN") {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += pattern[i % pattern.size()];
  return out;
}

// The error text of parsing `text` ("" when it parses).
std::string parse_error(const std::string& text) {
  try {
    parse_challenge_answers(text, "answers.txt");
  } catch (const FormatError& e) {
    return e.what();
  }
  return {};
}

TEST(ChallengeAnswers, ReadsTheEvent2AnswersLayout) {
  const std::string text = "x01\n 0 " + letters(60) + "\n 1 " + letters(60, "A") + "\n 2 NNA\n\n" +
                           "x02\r\n 0 " + letters(7) + "\r\n";
  const auto records = parse_challenge_answers(text, "event-2-answers");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].name, "x01");
  EXPECT_EQ(records[0].minutes, letters(60) + letters(60, "A") + "NNA");
  EXPECT_EQ(records[1].name, "x02");
  EXPECT_EQ(records[1].minutes, letters(7));
}

TEST(ChallengeAnswers, WrittenThenReadBackGivesTheSameLabels) {
  const std::vector<ChallengeRecord> records = {{"a01", letters(1)},
                                                {"a02", letters(59)},
                                                {"a03", letters(60)},
                                                {"b01", letters(61)},
                                                {"c10", letters(489, "NAAANNNA")},
                                                {"100", letters(120, "A")}};
  const std::string text = format_challenge_answers(records);
  EXPECT_NE(text.find("c10\n 0 "), std::string::npos) << text;
  EXPECT_NE(text.find("\n 8 "), std::string::npos);      // hour 8 of c10, two columns
  EXPECT_NE(text.find("\n\nb01\n"), std::string::npos);  // a blank line between records
  const auto back = parse_challenge_answers(text, "mem");
  ASSERT_EQ(back.size(), records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(back[i].name, records[i].name);
    EXPECT_EQ(back[i].minutes, records[i].minutes) << records[i].name;
  }
  // Files concatenated without the blank line still read.
  EXPECT_EQ(parse_challenge_answers("a\n 0 AN\nb\n 0 N\n", "cat").size(), 2u);
}

TEST(ChallengeAnswers, WriteAndReadAFile) {
  TempDir dir;
  const std::string path = (std::filesystem::path(dir.path()) / "a.challenge.txt").string();
  write_challenge_answers(path, {{"sample-night", letters(180)}});
  const auto back = read_challenge_answers(path);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].minutes, letters(180));
  EXPECT_THROW(read_challenge_answers(path + ".missing"), FormatError);
  EXPECT_THROW(write_challenge_answers(dir.path() + "/no/such/dir/x.txt", back), FormatError);
}

TEST(ChallengeAnswers, MalformedFilesNameTheFileAndLine) {
  const std::string h0 = " 0 " + letters(60) + "\n";
  struct Case {
    std::string text, where, says;
  };
  const Case cases[] = {
      {" 0 NNNA\n", "answers.txt, line 1", "before any record name"},
      {"a01\n 0 NN?N\n", "answers.txt, line 2", "'?' is not A (apnea) or N (normal)"},
      {"a01\n 0 NNaN\n", "line 2", "minute 2: 'a'"},
      {"a01\n" + h0 + " 1 " + letters(61) + "\n", "line 3", "61 letters, more than the 60"},
      {"a01\n" + h0 + " 2 NN\n", "line 3", "hour 2 where hour 1 was expected"},
      {"a01\n 1 NN\n", "line 2", "hour 1 where hour 0 was expected"},
      {"a01\n 0 NN\n 1 NN\n", "line 3", "hour 0 has fewer than 60 minutes but is not the last"},
      {"a01\na02\n 0 N\n", "line 1", "record 'a01' has no hour lines"},
      {"a01\n 0 N\n\na02\n", "line 4", "record 'a02' has no hour lines"},
      {"a01\n 0 N\na01\n 0 A\n", "line 3", "'a01' is named a second time"},
      {"a01\n 0 NN AA\n", "line 2", "found 3 fields"},
      {"a01\n x NN\n", "line 2", "hour 'x' is not a number"},
      {"record,minute,label\n", "line 1", "'record,minute,label' has no hour lines"},
  };
  for (const Case& c : cases) {
    const std::string e = parse_error(c.text);
    EXPECT_NE(e.find(c.where), std::string::npos) << c.text << " -> " << e;
    EXPECT_NE(e.find(c.says), std::string::npos) << c.text << " -> " << e;
  }
  EXPECT_EQ(parse_error(""), "");  // no records: nothing to complain about, nothing labelled
}

TEST(ChallengeAnswers, WriterRefusesWhatItCannotWrite) {
  EXPECT_THROW(format_challenge_answers({{"a 01", "N"}}), FormatError);
  EXPECT_THROW(format_challenge_answers({{"", "N"}}), FormatError);
  EXPECT_THROW(format_challenge_answers({{"a01", "NXN"}}), FormatError);
  EXPECT_THROW(format_challenge_answers({{"a01", ""}}), FormatError);
}

TEST(ChallengeAnswers, TellsChallengeAnswersFromACsv) {
  EXPECT_TRUE(looks_like_challenge_answers("\n\na01\n 0 NNN\n"));
  EXPECT_TRUE(looks_like_challenge_answers("  x01  \r\n"));
  EXPECT_FALSE(looks_like_challenge_answers("record,minute,label\na01,0,A\n"));
  EXPECT_FALSE(looks_like_challenge_answers(" 0 NNN\n"));
  EXPECT_FALSE(looks_like_challenge_answers(""));
}

}  // namespace
}  // namespace somna::io
