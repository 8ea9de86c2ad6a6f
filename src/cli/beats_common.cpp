// See beats_common.hpp.

#include "cli/beats_common.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "common/error.hpp"
#include "io/annotations.hpp"

namespace somna::cli {

io::Channel read_ecg_channel(const std::string& path, const std::string& channel, double csv_fs,
                             std::string* record_name) {
  io::ReadOptions ro;
  ro.fs = csv_fs;
  ro.channel = channel;  // the readers keep only that channel
  io::Record rec = io::read_record(path, ro);
  if (rec.channels.empty()) throw Error(path, "the record has no signals");
  const size_t idx = rec.channels.size() == 1 ? 0 : io::choose_channel(rec, channel, path);
  if (record_name) *record_name = rec.name;
  return std::move(rec.channels.at(idx));
}

dsp::Beats read_beat_annotations(const std::string& record_path, const std::string& extension,
                                 double duration_s) {
  const io::Annotations ann = io::read_annotations(record_path, extension);
  const size_t n_beats = static_cast<size_t>(
      std::count_if(ann.items.begin(), ann.items.end(),
                    [](const io::Annotation& a) { return io::is_beat_code(a.code); }));
  if (n_beats == 0)
    throw io::FormatError(ann.path, ann.items.empty()
                                        ? "holds no annotations: not a beat annotation file"
                                        : fmt::format("holds {} annotations but no heartbeat among "
                                                      "them: not a beat annotation file",
                                                      ann.items.size()));
  if (!(ann.fs > 0))
    throw io::FormatError(ann.path,
                          "the sampling frequency of the annotations is unknown (no readable "
                          "record header beside it)");
  dsp::Beats beats = dsp::beats_from_annotations(ann, duration_s);
  beats.source = "annotation:" + extension;
  return beats;
}

}  // namespace somna::cli
