#pragma once
// Which detector `somna analyze` (and anything else in the CLI) uses — decided in one place:
//  "cvhr"            -> the training-free CVHR detector (analysis/cvhr_detector.hpp);
//  a path            -> a learned model file, loaded by somna::model::load_detector();
//  "" (the default)  -> models/default.safetensors when it exists and a model loader is built in,
//                       otherwise CVHR.

#include <memory>
#include <string>

#include "analysis/detector.hpp"

namespace somna::cli {

std::unique_ptr<analysis::Detector> choose_detector(const std::string& spec);

// The default model file, resolved from the working directory, the source tree and, for an
// installed copy, <prefix>/share/somna/models beside <prefix>/bin/somna.
std::string default_model_path();

}  // namespace somna::cli
