#pragma once
// Errors that cross a stage boundary. Each stage throws its own type (io::FormatError, ...), all
// derived from somna::Error, which carries the file and the position the problem was found at.
// The CLI turns any somna::Error into one clear line and exit code 2; the server into a 4xx body.

#include <stdexcept>
#include <string>

namespace somna {

class Error : public std::runtime_error {
 public:
  // file: the path (or upload name) concerned, may be empty; where: a position such as
  // "line 3", "byte 1024", "signal 2"; may be empty.
  Error(std::string file, std::string message, std::string where = {});

  const std::string& file() const noexcept { return file_; }
  const std::string& message() const noexcept { return message_; }
  const std::string& where() const noexcept { return where_; }

 private:
  std::string file_, message_, where_;
};

namespace io {
// A file that cannot be read as what it claims to be (bad header, wrong length, unsafe path...).
class FormatError : public Error {
 public:
  using Error::Error;
};
// A signal file shorter than its header says. The message says what is missing and suggests no
// option: only some callers offer one (`somna info --allow-truncated`, ReadOptions::
// allow_truncated), and those add the hint themselves.
class TruncatedError : public FormatError {
 public:
  using FormatError::FormatError;
};
// A format we recognise but do not read (e.g. a WFDB signal format we lack).
class UnsupportedError : public Error {
 public:
  using Error::Error;
};
}  // namespace io

namespace analysis {
// The input parsed but cannot be analysed (no usable ECG, no beats, too short...).
class AnalysisError : public Error {
 public:
  using Error::Error;
};
}  // namespace analysis

namespace model {
// A model file that cannot be loaded or does not fit the input.
class ModelError : public Error {
 public:
  using Error::Error;
};
}  // namespace model

namespace train {
// A labelled data set that cannot be used for training or evaluation.
class DatasetError : public Error {
 public:
  using Error::Error;
};
}  // namespace train

}  // namespace somna
