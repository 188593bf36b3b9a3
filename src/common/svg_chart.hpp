// Small, dependency-free SVG charts for what a person reads: training curves (line charts) and
// accuracy by hardness or ablations (grouped bar charts). Output is deterministic text.
#pragma once

#include <string>
#include <vector>

namespace t2sql {

struct LineSeries {
  std::string name;
  std::vector<double> x;  // (points)
  std::vector<double> y;  // (points)
};

struct LineChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<LineSeries> series;
  bool log_y = false;
};

struct BarGroup {
  std::string category;        // e.g. "easy"
  std::vector<double> values;  // one per series name
};

struct BarChart {
  std::string title;
  std::string y_label;
  std::vector<std::string> series_names;
  std::vector<BarGroup> groups;
  double y_max = 0;  // 0: from the data
};

// Contract: series with mismatched x/y lengths throw Error(kInvalidArgument); empty charts render axes only.
std::string render_svg(const LineChart& chart);
std::string render_svg(const BarChart& chart);

}  // namespace t2sql
