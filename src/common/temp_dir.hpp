#pragma once
// A private temporary folder (mkdtemp, mode 0700, a fresh name each time), removed with what is in
// it on destruction unless kept. Used for uploads by the server and for scratch files by the
// benchmarks. Failing to create it is the machine's problem, not the input's: std::runtime_error
// (the server answers 500), not a somna::Error.

#include <string>
#include <string_view>

namespace somna {

class TempDir {
 public:
  // base: the folder to create it in (default: the system temp folder); prefix: its name's start.
  explicit TempDir(const std::string& base = {}, std::string_view prefix = "somna-");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Moves the folder to `dest` (created; parents too) instead of deleting it later.
  void keep_as(const std::string& dest);

 private:
  std::string path_;
};

}  // namespace somna
