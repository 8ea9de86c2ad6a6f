// The RR network's architecture (rr_config.hpp).

#include "model/rr_config.hpp"

#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace somna::model {

int RRNetConfig::samples_per_minute() const {
  int s = 1;
  for (int p : pools) s *= p;
  return s;
}

std::string RRNetConfig::to_json() const {
  nlohmann::json j = {{"in_channels", in_channels},
                      {"widths", widths},
                      {"pools", pools},
                      {"dilations", dilations},
                      {"se_reduction", se_reduction},
                      {"dropout", dropout},
                      {"gru_hidden", gru_hidden}};
  return j.dump();
}

RRNetConfig RRNetConfig::from_json(const std::string& s, const std::string& file) {
  RRNetConfig c;
  try {
    const auto j = nlohmann::json::parse(s);
    c.in_channels = j.at("in_channels").get<int>();
    c.widths = j.at("widths").get<std::vector<int>>();
    c.pools = j.at("pools").get<std::vector<int>>();
    c.dilations = j.at("dilations").get<std::vector<int>>();
    c.se_reduction = j.at("se_reduction").get<int>();
    c.dropout = j.value("dropout", 0.0);
    c.gru_hidden = j.value("gru_hidden", 0);
  } catch (const std::exception& e) {
    throw ModelError(file, std::string("bad architecture metadata: ") + e.what());
  }
  auto bad = [&](const std::string& why) { throw ModelError(file, "bad architecture: " + why); };
  if (c.in_channels < 1 || c.in_channels > 16) bad("in_channels outside 1..16");
  if (c.widths.empty() || c.widths.size() != c.pools.size() || c.widths.size() > 8) {
    bad("widths and pools must have the same 1..8 entries");
  }
  for (int w : c.widths) {
    if (w < 3 || w > 1024 || w % 3) bad("widths must be multiples of 3 in 3..1024");
  }
  for (int p : c.pools) {
    if (p < 1 || p > 64) bad("pools outside 1..64");
  }
  for (int d : c.dilations) {
    if (d < 1 || d > 64) bad("dilations outside 1..64");
  }
  if (c.dilations.size() > 16) bad("more than 16 temporal blocks");
  if (c.gru_hidden < 0 || c.gru_hidden > 512) bad("gru_hidden outside 0..512");
  if (!(c.dropout >= 0 && c.dropout < 1)) bad("dropout outside [0,1)");
  if (c.se_reduction < 1 || c.se_reduction > 64) bad("se_reduction outside 1..64");
  return c;
}

}  // namespace somna::model
