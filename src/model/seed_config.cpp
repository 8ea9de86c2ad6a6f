// The seed network's architecture (seed_config.hpp).

#include "model/seed_config.hpp"

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace somna::model {

std::string SeedNetConfig::to_json() const {
  return nlohmann::json({{"lead_channels", lead_channels},
                         {"dims", dims},
                         {"depths", depths},
                         {"stem_stride", stem_stride},
                         {"kernel", kernel},
                         {"lstm_hidden", lstm_hidden},
                         {"lstm_layers", lstm_layers},
                         {"mlp", mlp},
                         {"dropout", dropout}})
      .dump();
}

SeedNetConfig SeedNetConfig::from_json(const std::string& s, const std::string& file) {
  SeedNetConfig c;
  try {
    const auto j = nlohmann::json::parse(s);
    c.lead_channels = j.at("lead_channels").get<int>();
    c.dims = j.at("dims").get<std::vector<int>>();
    c.depths = j.at("depths").get<std::vector<int>>();
    c.stem_stride = j.at("stem_stride").get<int>();
    c.kernel = j.value("kernel", 7);
    c.lstm_hidden = j.at("lstm_hidden").get<int>();
    c.lstm_layers = j.at("lstm_layers").get<int>();
    c.mlp = j.at("mlp").get<std::vector<int>>();
    c.dropout = j.value("dropout", 0.0);
  } catch (const std::exception& e) {
    throw ModelError(file, std::string("bad seed architecture metadata: ") + e.what());
  }
  auto bad = [&](const std::string& why) {
    throw ModelError(file, "bad seed architecture: " + why);
  };
  if (c.lead_channels < 1 || c.lead_channels > 64) bad("lead_channels outside 1..64");
  if (c.dims.empty() || c.dims.size() != c.depths.size() || c.dims.size() > 6) {
    bad("dims and depths must have the same 1..6 entries");
  }
  for (int d : c.dims) {
    if (d < 1 || d > 2048) bad("dims outside 1..2048");
  }
  for (int d : c.depths) {
    if (d < 0 || d > 64) bad("depths outside 0..64");
  }
  if (c.stem_stride < 1 || c.stem_stride > 64) bad("stem_stride outside 1..64");
  if (c.kernel < 1 || c.kernel > 255 || c.kernel % 2 == 0) bad("kernel must be odd, 1..255");
  if (c.lstm_hidden < 1 || c.lstm_hidden > 2048) bad("lstm_hidden outside 1..2048");
  if (c.lstm_layers < 1 || c.lstm_layers > 8) bad("lstm_layers outside 1..8");
  if (c.mlp.size() > 8) bad("more than 8 MLP layers");
  for (int w : c.mlp) {
    if (w < 1 || w > 8192) bad("mlp widths outside 1..8192");
  }
  if (!(c.dropout >= 0 && c.dropout < 1)) bad("dropout outside [0,1)");
  return c;
}

SeedNetConfig SeedNetConfig::paper_size() {
  SeedNetConfig c;
  c.dims = {64, 128, 256};
  c.depths = {1, 1, 2};
  c.stem_stride = 8;
  c.lstm_hidden = 256;
  c.lstm_layers = 2;
  c.mlp = {1024, 256, 64};
  return c;
}

int SeedNetConfig::downsampling() const {
  int d = stem_stride;
  for (size_t s = 1; s < dims.size(); ++s) d *= 2;
  return d;
}

}  // namespace somna::model
