#include "common/svg_chart.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace t2sql {
namespace {

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
  return n;
}

TEST(SvgChart, LineChartHasOnePolylinePerSeriesAndEscapesText) {
  LineChart chart{"loss <train>", "step", "loss", {{"train", {1, 2, 3}, {3, 2, 1}}, {"eval", {1, 3}, {3.5, 1.5}}}};
  std::string svg = render_svg(chart);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_EQ(count(svg, "<polyline"), 2u);
  EXPECT_NE(svg.find("loss &lt;train&gt;"), std::string::npos);
  EXPECT_EQ(svg.find("loss <train>"), std::string::npos);
  EXPECT_EQ(render_svg(chart), svg) << "output must be deterministic";
}

TEST(SvgChart, BarChartDrawsEveryValue) {
  BarChart chart{"accuracy by hardness", "accuracy", {"exact", "exec"},
                 {{"easy", {0.9, 0.8}}, {"medium", {0.5, 0.6}}, {"hard", {0.25, 0.3}}}, 1.0};
  std::string svg = render_svg(chart);
  EXPECT_NE(svg.find("0.250"), std::string::npos);
  EXPECT_NE(svg.find(">medium<"), std::string::npos);
  EXPECT_GE(count(svg, "<rect"), 6u);
}

TEST(SvgChart, MismatchedSeriesIsAnError) {
  EXPECT_THROW(render_svg(LineChart{"t", "x", "y", {{"s", {1, 2}, {1}}}}), Error);
  EXPECT_THROW(render_svg(BarChart{"t", "y", {"a", "b"}, {{"g", {1}}}}), Error);
  EXPECT_NO_THROW(render_svg(LineChart{"empty", "x", "y", {}}));
}

}  // namespace
}  // namespace t2sql
