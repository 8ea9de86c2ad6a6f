#pragma once
// Reading a whole WFDB record (single- or multi-segment) into a Record: the header, then each
// signal file through wfdb_signal, in physical units. read_record() (record.cpp) calls
// read_wfdb() for .hea paths and extensionless record names.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "io/record.hpp"
#include "io/wfdb_header.hpp"
#include "io/wfdb_signal.hpp"

namespace somna::io {

// Part of a record to read: frames [from, to) (to < 0: to the end) and a subset of channels by
// header index, in the order given (empty: all). Used by the conformance tests and by callers
// that need a window; read_wfdb() without it reads everything.
struct WfdbReadRange {
  int64_t from = 0;
  int64_t to = -1;
  std::vector<size_t> channels;
};

// `path`: the .hea file, or the record name without extension. ReadOptions honoured here:
// header_only, allow_truncated, keep_digital, and `channel` when it is a plain index (a label is
// left to read_record's choose_channel: every channel is returned). Throws io::FormatError /
// io::UnsupportedError naming the file and the problem.
Record read_wfdb(const std::string& path, const ReadOptions& options);
Record read_wfdb(const std::string& path, const ReadOptions& options, const WfdbReadRange& range);

// Opens the signal file a header names (its folder already applied); lets tests and the fuzzer
// serve files from memory.
using WfdbOpener = std::function<std::unique_ptr<wfdb::ByteSource>(const std::string& name)>;

// Builds a single-segment record from a parsed header and an opener for its signal files.
Record decode_wfdb(const WfdbHeader& header, const WfdbOpener& open, const ReadOptions& options,
                   const WfdbReadRange& range = {});

// The same with every ReadOptions field honoured as read_record() honours it (a channel label
// chosen among the header's signals): what the server reads an upload held in memory with.
// Defined in record.cpp.
Record read_wfdb_record(const WfdbHeader& header, const WfdbOpener& open,
                        const ReadOptions& options);

}  // namespace somna::io
