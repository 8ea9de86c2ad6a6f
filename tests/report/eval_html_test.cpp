// The evaluation page: figures, an SVG ROC curve and AHI scatter, record names escaped.
#include "report/eval_html.hpp"

#include <gtest/gtest.h>

using namespace somna;

TEST(EvalHtml, ShowsFiguresPlotsAndEscapedNames) {
  eval::RecordPredictions a{"a<1>", {.9f, .8f, .1f, .2f}, {1, 1, 0, 0}, 30.0, {}};
  eval::RecordPredictions b{"b", {.7f, .1f, .6f, .2f}, {1, 0, 0, 0}, 2.0, {}};
  const eval::EvalResult r = eval::evaluate({a, b}, 0.5, 50, 7);
  const std::string h = report::eval_html(r, "Title & <more>");
  EXPECT_NE(h.find("<svg"), std::string::npos);
  EXPECT_NE(h.find("ROC (AUC"), std::string::npos);
  EXPECT_NE(h.find("Title &amp; &lt;more&gt;"), std::string::npos);
  EXPECT_NE(h.find("a&lt;1&gt;"), std::string::npos);
  EXPECT_EQ(h.find("a<1>"), std::string::npos);
  EXPECT_NE(h.find("87.5 %"), std::string::npos);  // accuracy 7/8
}
