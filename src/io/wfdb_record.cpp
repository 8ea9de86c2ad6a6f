#include "io/wfdb_record.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "common/error.hpp"
#include "io/limits.hpp"
#include "io/wfdb_util.hpp"

namespace somna::io {

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
// Most samples (all channels together) one read may produce: 2^29 floats = 2 GiB. Longer
// recordings are read in windows (WfdbReadRange).
constexpr uint64_t kMaxOutputSamples = uint64_t{1} << 29;
// Samples read from a record whose chosen signals have no file at all ('~' / format 0): nothing
// but the header's length bounds them, so a few bytes of header could ask for gigabytes of gaps.
constexpr uint64_t kMaxGapOnlySamples = uint64_t{1} << 24;

// Signals stored in one file: consecutive header lines naming the same file.
struct Group {
  std::string file;
  int format = 0;
  int64_t byte_offset = 0;
  std::vector<size_t> signals;
  int64_t frame_samples = 0;
  bool has_data() const { return file != "~" && format != 0; }
};

std::vector<Group> make_groups(const WfdbHeader& h) {
  std::vector<Group> groups;
  std::map<std::string, size_t> seen;
  for (size_t i = 0; i < h.signals.size(); ++i) {
    const WfdbSignalSpec& s = h.signals[i];
    const std::string where = "signal " + std::to_string(i);
    if (groups.empty() || groups.back().file != s.file_name || s.file_name == "~") {
      if (s.file_name != "~" && seen.count(s.file_name)) {
        throw FormatError(h.file, "signals stored in '" + s.file_name + "' are not consecutive",
                          where);
      }
      seen[s.file_name] = groups.size();
      Group g;
      g.file = s.file_name;
      g.format = s.format;
      g.byte_offset = s.byte_offset;
      groups.push_back(g);
    } else if (groups.back().format != s.format) {
      throw FormatError(h.file,
                        "signals in '" + s.file_name + "' mix formats " +
                            std::to_string(groups.back().format) + " and " +
                            std::to_string(s.format),
                        where);
    }
    groups.back().signals.push_back(i);
    groups.back().frame_samples += s.samples_per_frame;
  }
  return groups;
}

Channel channel_from_spec(const WfdbHeader& h, size_t i) {
  const WfdbSignalSpec& s = h.signals[i];
  Channel c;
  c.name = s.description.empty() ? "signal " + std::to_string(i) : s.description;
  c.units = s.units;
  c.fs = h.fs * s.samples_per_frame;
  c.gain = s.gain;
  c.baseline = s.baseline;
  c.adc_resolution = s.adc_resolution;
  c.format = std::to_string(s.format);
  c.checksum = s.checksum;
  c.skew = s.skew;
  return c;
}

std::optional<size_t> channel_index(const std::string& text) {
  if (text.empty()) return std::nullopt;
  const auto v = wfdb::parse_int(text);
  if (!v || *v < 0 || text[0] == '+' || text[0] == '-') return std::nullopt;
  return static_cast<size_t>(*v);
}

// Header indices of the channels to return.
std::vector<size_t> selected_channels(const std::string& file, size_t n_signals,
                                      const ReadOptions& options, const WfdbReadRange& range) {
  std::vector<size_t> out;
  if (!range.channels.empty()) {
    out = range.channels;
  } else if (const auto index = channel_index(options.channel)) {
    out = {*index};
  } else {
    for (size_t i = 0; i < n_signals; ++i) out.push_back(i);
  }
  for (size_t c : out) {
    if (c >= n_signals) {
      throw FormatError(file, "no channel " + std::to_string(c) + " (the record has " +
                                  std::to_string(n_signals) + ")");
    }
  }
  return out;
}

void check_format(const WfdbHeader& h, size_t i) {
  const int f = h.signals[i].format;
  if (!wfdb_format_known(f)) {
    throw UnsupportedError(h.file, "unsupported format " + std::to_string(f),
                           "signal " + std::to_string(i));
  }
}

Record base_record(const WfdbHeader& h, const std::string& format) {
  Record r;
  r.name = h.record_name;
  r.path = h.file;
  r.format = format;
  r.frame_fs = h.fs;
  r.start = h.start;
  r.comments = h.comments;
  return r;
}

// The frame frequency and each chosen signal's frequency (frame frequency times samples per
// frame) must be sane before anything is derived from them.
void check_frequencies(const WfdbHeader& h, const std::vector<WfdbSignalSpec>& signals,
                       const std::vector<size_t>& chosen) {
  check_sampling_frequency(h.file, h.fs, "record line");
  for (size_t i : chosen)
    check_sampling_frequency(h.file, h.fs * signals[i].samples_per_frame,
                             "signal " + std::to_string(i));
}

void check_output_size(const std::string& file, uint64_t frames, uint64_t frame_samples) {
  if (frame_samples != 0 && frames > kMaxOutputSamples / frame_samples) {
    throw FormatError(file, "record too long to read at once (" + std::to_string(frames) +
                                " frames of " + std::to_string(frame_samples) +
                                " samples); read it in windows");
  }
}

void check_gap_only_size(const std::string& file, uint64_t frames, uint64_t frame_samples) {
  if (frame_samples != 0 && frames > kMaxGapOnlySamples / frame_samples) {
    throw FormatError(file, "the header declares " + std::to_string(frames) +
                                " frames but no signal file ('~' only): at most " +
                                std::to_string(kMaxGapOnlySamples) +
                                " samples of a record without data are read");
  }
}

// Frames each group's file holds; opens each file once.
struct OpenGroup {
  std::unique_ptr<wfdb::ByteSource> source;
  uint64_t frames = 0;
};

std::vector<OpenGroup> open_groups(const WfdbHeader& h, const std::vector<Group>& groups,
                                   const WfdbOpener& open) {
  std::vector<OpenGroup> out(groups.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    if (!groups[g].has_data()) continue;
    out[g].source = open(groups[g].file);
    const int format = groups[g].format;
    if (wfdb::is_flac_format(format)) {
      out[g].frames = wfdb::flac_frames_available(
          *out[g].source, h.signals[groups[g].signals[0]].samples_per_frame);
    } else {
      out[g].frames = wfdb::frames_available(format, out[g].source->size(), groups[g].byte_offset,
                                             static_cast<uint64_t>(groups[g].frame_samples));
    }
  }
  return out;
}

// A signal file whose size does not fit the header: more frames than the declared length and the
// largest skew of its signals need in the declared format (a 212 file declared as format 8 is 1.5
// times too long), or a size that ends inside a frame. Not an error (WFDB reads such files), but
// the samples are doubtful.
void warn_about_file_size(const WfdbHeader& h, const std::vector<Group>& groups,
                          const std::vector<OpenGroup>& open, Record& rec) {
  for (size_t g = 0; g < groups.size(); ++g) {
    const Group& group = groups[g];
    if (!group.has_data() || wfdb::is_flac_format(group.format) || group.frame_samples <= 0)
      continue;
    const wfdb::ByteSource& src = *open[g].source;
    const uint64_t offset = static_cast<uint64_t>(std::max<int64_t>(0, group.byte_offset));
    if (src.size() <= offset) continue;
    const uint64_t data = src.size() - offset;
    const uint64_t spf = static_cast<uint64_t>(group.frame_samples);
    const uint64_t whole = wfdb::bytes_for_samples(group.format, open[g].frames * spf);
    const std::string fmt_name = "format " + std::to_string(group.format);
    int64_t skew = 0;  // skewed signals need frames past the declared length
    for (size_t i : group.signals) skew = std::max(skew, h.signals[i].skew);
    if (h.n_samples && open[g].frames > static_cast<uint64_t>(*h.n_samples + skew)) {
      const uint64_t need =
          wfdb::bytes_for_samples(group.format, static_cast<uint64_t>(*h.n_samples) * spf);
      rec.warnings.push_back("signal file " + src.name() + " holds " + std::to_string(data) +
                             " data bytes, " + std::to_string(data - need) + " more than the " +
                             std::to_string(*h.n_samples) + " frames of the header " + h.file +
                             " need in " + fmt_name + " (" + std::to_string(need) +
                             " bytes): is the format or the length in the header right?");
    } else if (data > whole) {
      rec.warnings.push_back(
          "signal file " + src.name() + " ends inside a frame: " + std::to_string(data) +
          " data bytes are not a whole number of " + std::to_string(spf) + "-sample frames in " +
          fmt_name + ": is the format in the header " + h.file + " right?");
    }
  }
}

// Length of the record in frames after checking every file holds it.
int64_t checked_length(const WfdbHeader& h, const std::vector<Group>& groups,
                       const std::vector<OpenGroup>& open, const ReadOptions& options) {
  std::optional<uint64_t> shortest;
  for (size_t g = 0; g < groups.size(); ++g) {
    if (!groups[g].has_data()) continue;
    shortest = std::min(shortest.value_or(UINT64_MAX), open[g].frames);
  }
  if (!h.n_samples) return static_cast<int64_t>(shortest.value_or(0));
  int64_t n = *h.n_samples;
  for (size_t g = 0; g < groups.size(); ++g) {
    if (!groups[g].has_data()) continue;
    const uint64_t have = open[g].frames;
    if (have >= static_cast<uint64_t>(n)) continue;
    if (options.allow_truncated) {
      n = static_cast<int64_t>(have);
      continue;
    }
    const wfdb::ByteSource& src = *open[g].source;
    std::string need;
    if (!wfdb::is_flac_format(groups[g].format)) {
      need = " (" +
             std::to_string(
                 static_cast<uint64_t>(groups[g].byte_offset) +
                 wfdb::bytes_for_samples(
                     groups[g].format,
                     static_cast<uint64_t>(n) * static_cast<uint64_t>(groups[g].frame_samples))) +
             " bytes)";
    }
    throw TruncatedError(src.name(), "file is too short: it holds " + std::to_string(have) +
                                         " samples per signal (" + std::to_string(src.size()) +
                                         " bytes) but the header " + h.file + " says " +
                                         std::to_string(n) + need);
  }
  return n;
}

}  // namespace

Record decode_wfdb(const WfdbHeader& h, const WfdbOpener& open, const ReadOptions& options,
                   const WfdbReadRange& range) {
  if (h.is_multi_segment()) {
    throw FormatError(h.file, "multi-segment header where a single-segment one is expected");
  }
  const std::vector<size_t> chosen = selected_channels(h.file, h.signals.size(), options, range);
  check_frequencies(h, h.signals, chosen);
  Record rec = base_record(h, "WFDB");
  for (size_t i : chosen) rec.channels.push_back(channel_from_spec(h, i));
  if (options.header_only) return rec;

  for (size_t i : chosen) check_format(h, i);
  const std::vector<Group> groups = make_groups(h);
  // Only the files holding chosen channels are opened.
  std::vector<bool> wanted_group(groups.size(), false);
  std::vector<size_t> group_of(h.signals.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    for (size_t s : groups[g].signals) group_of[s] = g;
  }
  for (size_t i : chosen) wanted_group[group_of[i]] = true;
  std::vector<Group> used = groups;
  for (size_t g = 0; g < used.size(); ++g) {
    if (!wanted_group[g]) used[g].file = "~";  // not opened
  }
  std::vector<OpenGroup> opened = open_groups(h, used, open);
  const int64_t n = checked_length(h, used, opened, options);
  warn_about_file_size(h, used, opened, rec);

  const int64_t from = range.from;
  const int64_t to = range.to < 0 ? n : std::min(range.to, n);
  if (from < 0 || from > to) {
    throw FormatError(h.file, "bad range [" + std::to_string(range.from) + ", " +
                                  std::to_string(range.to) + ") for a record of " +
                                  std::to_string(n) + " frames");
  }
  uint64_t frame_samples = 0;
  for (size_t i : chosen) frame_samples += static_cast<uint64_t>(h.signals[i].samples_per_frame);
  check_duration(h.file, static_cast<double>(to - from), h.fs, options.max_duration_s);
  check_output_size(h.file, static_cast<uint64_t>(to - from), frame_samples);
  if (std::none_of(used.begin(), used.end(), [](const auto& u) { return u.has_data(); })) {
    check_gap_only_size(h.file, static_cast<uint64_t>(to - from), frame_samples);
  }

  // Outputs, prefilled with "no data".
  std::vector<int> out_of(h.signals.size(), -1);
  for (size_t k = 0; k < chosen.size(); ++k) {
    const WfdbSignalSpec& s = h.signals[chosen[k]];
    Channel& c = rec.channels[k];
    const size_t count = static_cast<size_t>(to - from) * static_cast<size_t>(s.samples_per_frame);
    c.samples.reserve(count);  // filled by the group readers
    if (options.keep_digital) c.digital.reserve(count);
    out_of[chosen[k]] = static_cast<int>(k);
  }
  for (size_t g = 0; g < groups.size(); ++g) {
    if (!used[g].has_data()) continue;
    std::vector<wfdb::GroupSignal> sigs;
    for (size_t i : groups[g].signals) {
      const WfdbSignalSpec& s = h.signals[i];
      wfdb::GroupSignal gs;
      gs.samples_per_frame = s.samples_per_frame;
      gs.skew = s.skew;
      gs.gain = s.gain;
      gs.baseline = s.baseline;
      gs.initial_value = s.initial_value;
      if (out_of[i] >= 0) {
        Channel& c = rec.channels[static_cast<size_t>(out_of[i])];
        gs.physical = &c.samples;
        gs.digital = options.keep_digital ? &c.digital : nullptr;
      }
      sigs.push_back(gs);
    }
    if (wfdb::is_flac_format(groups[g].format)) {
      wfdb::read_flac_group(*opened[g].source, groups[g].format, opened[g].frames, sigs, from, to);
    } else {
      wfdb::read_group(*opened[g].source, groups[g].format, groups[g].byte_offset, opened[g].frames,
                       sigs, from, to);
    }
  }
  // Signals without a file ("~" or format 0) have no samples: NaN / invalid throughout.
  for (size_t k = 0; k < chosen.size(); ++k) {
    const WfdbSignalSpec& s = h.signals[chosen[k]];
    Channel& c = rec.channels[k];
    const size_t count = static_cast<size_t>(to - from) * static_cast<size_t>(s.samples_per_frame);
    if (c.samples.size() < count) c.samples.resize(count, kNaN);
    if (options.keep_digital && c.digital.size() < count) {
      c.digital.resize(count, wfdb::invalid_sample(s.format));
    }
  }
  return rec;
}

namespace {

std::string header_path(const std::string& path) {
  if (path.size() >= 4 && path.compare(path.size() - 4, 4, ".hea") == 0) return path;
  return path + ".hea";
}

WfdbOpener folder_opener(const std::string& dir) {
  return
      [dir](const std::string& name) { return wfdb::open_file_source(wfdb::join_path(dir, name)); };
}

Record read_multi(const WfdbHeader& h, const std::string& dir, const ReadOptions& options,
                  const WfdbReadRange& range) {
  const auto& segs = h.segments;
  size_t first_data = 0;
  WfdbHeader layout;
  bool variable = false;
  if (!segs.empty() && segs[0].length == 0 && segs[0].name != "~") {
    variable = true;
    layout = read_wfdb_header(wfdb::join_path(dir, segs[0].name + ".hea"));
    first_data = 1;
  } else {
    for (const auto& s : segs) {
      if (s.name == "~") continue;
      layout = read_wfdb_header(wfdb::join_path(dir, s.name + ".hea"));
      break;
    }
  }
  if (layout.is_multi_segment()) throw FormatError(layout.file, "nested multi-segment record");
  if (static_cast<int64_t>(layout.signals.size()) != h.n_signals) {
    throw FormatError(layout.file, "has " + std::to_string(layout.signals.size()) +
                                       " signals, the multi-segment header " + h.file + " says " +
                                       std::to_string(h.n_signals));
  }
  int64_t total = 0;
  for (size_t i = first_data; i < segs.size(); ++i) {
    if (segs[i].length > (int64_t{1} << 62) - total) throw FormatError(h.file, "segments too long");
    total += segs[i].length;
  }
  if (h.n_samples && *h.n_samples != total) {
    throw FormatError(h.file, "segment lengths add up to " + std::to_string(total) +
                                  " frames, the record line says " + std::to_string(*h.n_samples));
  }
  const std::vector<size_t> chosen =
      selected_channels(h.file, layout.signals.size(), options, range);
  check_frequencies(h, layout.signals, chosen);
  Record rec = base_record(h, "WFDB multi-segment");
  for (size_t i : chosen) {
    Channel c = channel_from_spec(layout, i);
    c.fs = h.fs * layout.signals[i].samples_per_frame;
    c.format.clear();  // set from the first segment that stores the channel
    c.checksum.reset();
    rec.channels.push_back(std::move(c));
  }
  if (options.header_only) return rec;

  const int64_t from = range.from;
  const int64_t to = range.to < 0 ? total : std::min(range.to, total);
  if (from < 0 || from > to) {
    throw FormatError(h.file, "bad range for a record of " + std::to_string(total) + " frames");
  }
  uint64_t frame_samples = 0;
  for (size_t i : chosen)
    frame_samples += static_cast<uint64_t>(layout.signals[i].samples_per_frame);
  check_duration(h.file, static_cast<double>(to - from), h.fs, options.max_duration_s);
  check_output_size(h.file, static_cast<uint64_t>(to - from), frame_samples);

  // First pass: the segments the window touches, their headers, and which of their signals
  // feed each output channel. Every file is checked before any output is allocated.
  struct Piece {
    WfdbHeader header;
    int64_t start = 0, from = 0, to = 0;  // record frame of segment start; window in segment
    std::vector<size_t> signal_for;       // per output channel: segment signal index or npos
  };
  std::vector<Piece> pieces;
  int64_t start = 0;
  for (size_t i = first_data; i < segs.size(); ++i) {
    const int64_t seg_start = start;
    start += segs[i].length;
    const int64_t a = std::max(from, seg_start), b = std::min(to, start);
    if (a >= b || segs[i].name == "~") continue;
    Piece p;
    p.header = read_wfdb_header(wfdb::join_path(dir, segs[i].name + ".hea"));
    if (p.header.is_multi_segment())
      throw FormatError(p.header.file, "nested multi-segment record");
    if (p.header.n_samples && *p.header.n_samples != segs[i].length) {
      throw FormatError(p.header.file, "segment has " + std::to_string(*p.header.n_samples) +
                                           " frames, " + h.file + " says " +
                                           std::to_string(segs[i].length));
    }
    p.start = seg_start;
    p.from = a - seg_start;
    p.to = b - seg_start;
    std::vector<bool> used(p.header.signals.size(), false);
    for (size_t k = 0; k < chosen.size(); ++k) {
      const WfdbSignalSpec& want = layout.signals[chosen[k]];
      size_t found = std::string::npos;
      if (!variable) {
        if (p.header.signals.size() != layout.signals.size()) {
          throw FormatError(p.header.file, "fixed-layout segment with a different signal count");
        }
        found = chosen[k];
      } else {
        for (size_t s = 0; s < p.header.signals.size(); ++s) {
          if (!used[s] && p.header.signals[s].description == want.description) {
            found = s;
            break;
          }
        }
      }
      if (found != std::string::npos) {
        used[found] = true;
        if (p.header.signals[found].samples_per_frame != want.samples_per_frame) {
          throw FormatError(p.header.file, "signal '" + want.description +
                                               "' has a different number of samples per frame "
                                               "than in the layout");
        }
      }
      p.signal_for.push_back(found);
    }
    pieces.push_back(std::move(p));
  }
  // Second pass: read each piece (decode_wfdb checks its files) and place it.
  for (size_t k = 0; k < chosen.size(); ++k) {
    const size_t count = static_cast<size_t>(to - from) *
                         static_cast<size_t>(layout.signals[chosen[k]].samples_per_frame);
    rec.channels[k].samples.assign(count, kNaN);
    if (options.keep_digital) rec.channels[k].digital.assign(count, 0);
  }
  std::vector<std::vector<std::pair<size_t, size_t>>> written(chosen.size());
  for (const Piece& p : pieces) {
    WfdbReadRange sub;
    sub.from = p.from;
    sub.to = p.to;
    std::vector<size_t> outputs;
    for (size_t k = 0; k < chosen.size(); ++k) {
      if (p.signal_for[k] == std::string::npos) continue;
      sub.channels.push_back(p.signal_for[k]);
      outputs.push_back(k);
    }
    if (outputs.empty()) continue;
    ReadOptions seg_options = options;
    seg_options.channel.clear();
    const Record part = decode_wfdb(p.header, folder_opener(dir), seg_options, sub);
    rec.warnings.insert(rec.warnings.end(), part.warnings.begin(), part.warnings.end());
    for (size_t j = 0; j < outputs.size(); ++j) {
      Channel& out = rec.channels[outputs[j]];
      const Channel& in = part.channels[j];
      const size_t spf = static_cast<size_t>(layout.signals[chosen[outputs[j]]].samples_per_frame);
      const size_t at = static_cast<size_t>(p.start + p.from - from) * spf;
      const size_t expected = static_cast<size_t>(p.to - p.from) * spf;
      const size_t n = std::min(in.samples.size(), expected);
      std::copy(in.samples.begin(), in.samples.begin() + static_cast<std::ptrdiff_t>(n),
                out.samples.begin() + static_cast<std::ptrdiff_t>(at));
      if (options.keep_digital) {
        std::copy(in.digital.begin(), in.digital.begin() + static_cast<std::ptrdiff_t>(n),
                  out.digital.begin() + static_cast<std::ptrdiff_t>(at));
        written[outputs[j]].push_back({at, at + n});
      }
      if (out.format.empty()) out.format = in.format;
    }
  }
  for (size_t k = 0; k < chosen.size(); ++k) {
    Channel& c = rec.channels[k];
    if (c.format.empty()) c.format = std::to_string(layout.signals[chosen[k]].format);
    if (!options.keep_digital) continue;
    const int32_t invalid = wfdb::invalid_sample(std::atoi(c.format.c_str()));
    std::vector<std::pair<size_t, size_t>>& w = written[k];
    std::sort(w.begin(), w.end());
    size_t pos = 0;
    w.push_back({c.digital.size(), c.digital.size()});
    for (const auto& [a, b] : w) {
      if (a > pos)
        std::fill(c.digital.begin() + static_cast<std::ptrdiff_t>(pos),
                  c.digital.begin() + static_cast<std::ptrdiff_t>(a), invalid);
      pos = std::max(pos, b);
    }
  }
  return rec;
}

}  // namespace

Record read_wfdb(const std::string& path, const ReadOptions& options, const WfdbReadRange& range) {
  const std::string hea = header_path(path);
  const WfdbHeader h = read_wfdb_header(hea);
  const std::string dir = wfdb::dir_of(hea);
  if (h.is_multi_segment()) return read_multi(h, dir, options, range);
  return decode_wfdb(h, folder_opener(dir), options, range);
}

Record read_wfdb(const std::string& path, const ReadOptions& options) {
  return read_wfdb(path, options, WfdbReadRange{});
}

}  // namespace somna::io
