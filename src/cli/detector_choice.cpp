// The CLI's single place that picks a detector (see detector_choice.hpp).

#include "cli/detector_choice.hpp"

#include <filesystem>
#include <vector>

#include "analysis/cvhr_detector.hpp"
#include "cli/program_dir.hpp"
#include "common/error.hpp"

#if __has_include("model/model.hpp")
#include "model/model.hpp"
#define SOMNA_HAVE_MODEL_LOADER 1
#else
#define SOMNA_HAVE_MODEL_LOADER 0
#endif

namespace somna::cli {

std::string default_model_path() {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> candidates = {"models/default.safetensors",
                                      fs::path(SOMNA_SOURCE_DIR) / "models/default.safetensors"};
  // An installed somna (cmake --install) finds it in <prefix>/share/somna/models.
  if (const fs::path bin = program_dir(); !bin.empty()) {
    candidates.push_back(bin / "../share/somna/models/default.safetensors");
  }
  for (const fs::path& p : candidates) {
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  return {};
}

std::unique_ptr<analysis::Detector> choose_detector(const std::string& spec) {
  if (spec == "cvhr" || spec == "cvhr-acat") return std::make_unique<analysis::CvhrDetector>();
#if SOMNA_HAVE_MODEL_LOADER
  if (spec.empty()) {
    const std::string path = default_model_path();
    if (!path.empty()) return model::load_detector(path);
    return std::make_unique<analysis::CvhrDetector>();
  }
  return model::load_detector(spec);
#else
  if (spec.empty()) return std::make_unique<analysis::CvhrDetector>();
  throw Error(spec, "this build has no model loader; use --detector cvhr");
#endif
}

}  // namespace somna::cli
