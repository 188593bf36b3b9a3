#include "common/svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/error.hpp"

namespace t2sql {
namespace {

constexpr double kWidth = 720, kHeight = 420;
constexpr double kLeft = 70, kRight = 160, kTop = 40, kBottom = 50;
constexpr const char* kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                   "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string header(const std::string& title) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{2}\" y=\"22\" font-size=\"15\" text-anchor=\"middle\">{3}</text>\n",
      kWidth, kHeight, kWidth / 2, escape(title));
}

// "Nice" tick values covering [low, high].
std::vector<double> ticks(double low, double high, int wanted = 5) {
  if (!(high > low)) high = low + 1;
  double step = std::pow(10.0, std::floor(std::log10((high - low) / wanted)));
  for (double factor : {1.0, 2.0, 5.0, 10.0})
    if ((high - low) / (step * factor) <= wanted) {
      step *= factor;
      break;
    }
  std::vector<double> out;
  for (double v = std::ceil(low / step) * step; v <= high + step * 1e-9; v += step) out.push_back(v);
  return out;
}

std::string format_tick(double v) {
  if (v != 0 && (std::abs(v) >= 1e5 || std::abs(v) < 1e-3)) return fmt::format("{:.1e}", v);
  return fmt::format("{:g}", v);
}

}  // namespace

std::string render_svg(const LineChart& chart) {
  double x_min = std::numeric_limits<double>::infinity(), x_max = -x_min, y_min = x_min, y_max = -x_min;
  auto transform_y = [&](double y) { return chart.log_y ? std::log10(std::max(y, 1e-12)) : y; };
  for (const auto& s : chart.series) {
    if (s.x.size() != s.y.size())
      fail(ErrorCode::kInvalidArgument, "chart series '{}' has {} x values and {} y values", s.name, s.x.size(), s.y.size());
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      x_min = std::min(x_min, s.x[i]);
      x_max = std::max(x_max, s.x[i]);
      y_min = std::min(y_min, transform_y(s.y[i]));
      y_max = std::max(y_max, transform_y(s.y[i]));
    }
  }
  if (!std::isfinite(x_min)) x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  if (x_max == x_min) x_max = x_min + 1;
  if (y_max == y_min) y_max = y_min + 1;
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  auto px = [&](double x) { return kLeft + (x - x_min) / (x_max - x_min) * plot_w; };
  auto py = [&](double y) { return kTop + plot_h - (transform_y(y) - y_min) / (y_max - y_min) * plot_h; };
  std::string svg = header(chart.title);
  svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#444\"/>\n", kLeft, kTop,
                     plot_w, plot_h);
  for (double t : ticks(x_min, x_max)) {
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", px(t), kTop + plot_h + 16,
                       format_tick(t));
  }
  for (double t : ticks(y_min, y_max)) {
    double y = kTop + plot_h - (t - y_min) / (y_max - y_min) * plot_h;
    svg += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>\n", kLeft, kLeft + plot_w, y, y);
    svg += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", kLeft - 6, y + 4,
                       format_tick(chart.log_y ? std::pow(10.0, t) : t));
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", kLeft + plot_w / 2, kHeight - 10,
                     escape(chart.x_label));
  svg += fmt::format("<text x=\"16\" y=\"{}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {})\">{}</text>\n",
                     kTop + plot_h / 2, kTop + plot_h / 2, escape(chart.y_label));
  for (size_t s = 0; s < chart.series.size(); ++s) {
    const auto& series = chart.series[s];
    const char* color = kColors[s % std::size(kColors)];
    std::string points;
    for (size_t i = 0; i < series.x.size(); ++i) {
      if (!std::isfinite(series.x[i]) || !std::isfinite(series.y[i])) continue;
      points += fmt::format("{:.1f},{:.1f} ", px(series.x[i]), py(series.y[i]));
    }
    svg += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" points=\"{}\"/>\n", color, points);
    double ly = kTop + 14 + 18 * static_cast<double>(s);
    svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"3\" fill=\"{}\"/>\n", kWidth - kRight + 12, ly - 4, color);
    svg += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", kWidth - kRight + 30, ly, escape(series.name));
  }
  return svg + "</svg>\n";
}

std::string render_svg(const BarChart& chart) {
  double y_max = chart.y_max;
  for (const auto& group : chart.groups) {
    if (group.values.size() != chart.series_names.size())
      fail(ErrorCode::kInvalidArgument, "bar group '{}' has {} values for {} series", group.category,
           group.values.size(), chart.series_names.size());
    if (chart.y_max == 0)
      for (double v : group.values) y_max = std::max(y_max, v);
  }
  if (y_max <= 0) y_max = 1;
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  std::string svg = header(chart.title);
  for (double t : ticks(0, y_max)) {
    double y = kTop + plot_h - t / y_max * plot_h;
    svg += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>\n", kLeft, kLeft + plot_w, y, y);
    svg += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", kLeft - 6, y + 4, format_tick(t));
  }
  svg += fmt::format("<text x=\"16\" y=\"{}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {})\">{}</text>\n",
                     kTop + plot_h / 2, kTop + plot_h / 2, escape(chart.y_label));
  const size_t groups = std::max<size_t>(1, chart.groups.size());
  const size_t per_group = std::max<size_t>(1, chart.series_names.size());
  const double group_w = plot_w / static_cast<double>(groups);
  const double bar_w = group_w * 0.8 / static_cast<double>(per_group);
  for (size_t g = 0; g < chart.groups.size(); ++g) {
    const auto& group = chart.groups[g];
    double x0 = kLeft + group_w * static_cast<double>(g) + group_w * 0.1;
    for (size_t s = 0; s < group.values.size(); ++s) {
      double h = std::max(0.0, group.values[s]) / y_max * plot_h;
      double x = x0 + bar_w * static_cast<double>(s);
      svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"/>\n", x,
                         kTop + plot_h - h, bar_w * 0.95, h, kColors[s % std::size(kColors)]);
      svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-size=\"10\">{}</text>\n",
                         x + bar_w / 2, kTop + plot_h - h - 3, fmt::format("{:.3f}", group.values[s]));
    }
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", x0 + group_w * 0.4,
                       kTop + plot_h + 16, escape(group.category));
  }
  svg += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"#444\"/>\n", kLeft, kLeft + plot_w,
                     kTop + plot_h, kTop + plot_h);
  for (size_t s = 0; s < chart.series_names.size(); ++s) {
    double ly = kTop + 14 + 18 * static_cast<double>(s);
    svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"10\" fill=\"{}\"/>\n", kWidth - kRight + 12, ly - 9,
                       kColors[s % std::size(kColors)]);
    svg += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", kWidth - kRight + 30, ly, escape(chart.series_names[s]));
  }
  return svg + "</svg>\n";
}

}  // namespace t2sql
