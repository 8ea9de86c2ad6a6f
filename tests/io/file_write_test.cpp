// io::write_file: the whole file or the old one, never half (temporary file + rename), no
// temporary left behind, devices written in place, errors naming the file.

#include "io/file_write.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "common/error.hpp"
#include "common/temp_dir.hpp"
#include "support/cli_run.hpp"

namespace somna::io {
namespace {

namespace fs = std::filesystem;

using somna::test::slurp;

ino_t inode(const fs::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_ino;
}

TEST(WriteFile, ReplacesByRenameAndLeavesNoTemporary) {
  TempDir d;
  const fs::path p = fs::path(d.path()) / "r.json";
  write_file(p.string(), "old");
  const ino_t before = inode(p);
  // A reader holding the old file keeps reading the old bytes: the new file is another inode.
  std::ifstream reader(p, std::ios::binary);
  write_file(p.string(), "new contents");
  EXPECT_NE(inode(p), before);
  EXPECT_EQ(slurp(p), "new contents");
  std::string held;
  reader >> held;
  EXPECT_EQ(held, "old");
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(d.path())) names.push_back(e.path().filename());
  EXPECT_EQ(names, std::vector<std::string>{"r.json"});
}

TEST(WriteFile, DevicesAreWrittenInPlace) {
  EXPECT_NO_THROW(write_file("/dev/null", "discarded"));
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
}

TEST(WriteFile, MissingFolderIsAnErrorNamingTheFile) {
  try {
    write_file("/nonexistent-somna-dir/r.json", "x");
    FAIL() << "no error";
  } catch (const FormatError& e) {
    EXPECT_EQ(e.file(), "/nonexistent-somna-dir/r.json");
    EXPECT_NE(std::string(e.what()).find("cannot create"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace somna::io
