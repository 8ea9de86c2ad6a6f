#pragma once
// WFDB signal files (.dat): the byte layout of each storage format and a chunked reader that
// turns one signal file (a "group" of interleaved signals) into per-signal samples. Works on an
// abstract byte source so the same code reads files on disk and buffers in memory (fuzzing).
// Reference: the WFDB signal(5) format (https://physionet.org/physiotools/wag/signal-5.htm).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace somna::io::wfdb {

// Sample value the format uses to mark "no data" (WFDB_INVALID_SAMPLE scaled to the format).
int32_t invalid_sample(int format);
bool is_flac_format(int format);  // 508, 516, 524
// Bytes needed to hold n consecutive samples (the last group of 212/310/311 may be partial).
uint64_t bytes_for_samples(int format, uint64_t n);
// Complete samples held in `bytes` bytes.
uint64_t samples_in_bytes(int format, uint64_t bytes);
// Decodes n samples. `src` must hold bytes_for_samples(format, n rounded up to a multiple of 6)
// bytes (callers zero-pad); dst must have room for n rounded up to a multiple of 6. Format 8
// yields the stored first differences (the caller sums them).
void decode_samples(int format, const uint8_t* src, size_t n, int32_t* dst);

// The bytes of one signal file.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual const std::string& name() const = 0;  // for messages
  virtual uint64_t size() const = 0;
  // Reads up to n bytes at `offset`; returns the number read (less only at the end).
  virtual size_t read_at(uint64_t offset, uint8_t* dst, size_t n) = 0;
};
// Throws io::FormatError naming the path when it cannot be opened.
std::unique_ptr<ByteSource> open_file_source(const std::string& path);
// Does not copy: the buffer must outlive the source.
std::unique_ptr<ByteSource> memory_source(std::string name, const uint8_t* data, size_t size);

// One signal of a group, and where its samples go.
struct GroupSignal {
  int samples_per_frame = 1;
  int64_t skew = 0;
  double gain = 200, baseline = 0;
  int64_t initial_value = 0;  // format 8
  // Outputs: (to - from) * samples_per_frame values are appended (the caller reserves them);
  // samples with no stored data are NaN / the format's invalid value. physical == nullptr: the
  // signal is not wanted; digital == nullptr: no raw values wanted.
  std::vector<float>* physical = nullptr;
  std::vector<int32_t>* digital = nullptr;
};

// Frames of `format` available in a file of `file_bytes` bytes with data from `byte_offset`,
// for a group of `frame_samples` samples per frame.
uint64_t frames_available(int format, uint64_t file_bytes, int64_t byte_offset,
                          uint64_t frame_samples);

// Reads output frames [from, to) of every signal in the group (signal s takes its samples from
// stored frames [from + skew_s, to + skew_s), those past `stored_frames` stay NaN/invalid).
// Throws io::FormatError if the source ends before `stored_frames` frames.
void read_group(ByteSource& source, int format, int64_t byte_offset, uint64_t stored_frames,
                std::vector<GroupSignal>& signals, int64_t from, int64_t to);

// FLAC formats (508/516/524): the file is a FLAC stream with one channel per signal. Fills the
// same outputs as read_group. Throws io::FormatError on a malformed stream.
void read_flac_group(ByteSource& source, int format, uint64_t stored_frames,
                     std::vector<GroupSignal>& signals, int64_t from, int64_t to);
// Frames in a FLAC signal file (from its STREAMINFO; 0 when unknown).
uint64_t flac_frames_available(ByteSource& source, int samples_per_frame);

}  // namespace somna::io::wfdb
