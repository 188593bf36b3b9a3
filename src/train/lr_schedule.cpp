#include "train/lr_schedule.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "common/error.hpp"

namespace t2sql::train {

ScheduleType parse_schedule_type(const std::string& name) {
  if (name == "cosine") return ScheduleType::kCosine;
  if (name == "linear") return ScheduleType::kLinear;
  if (name == "constant") return ScheduleType::kConstant;
  if (name == "constant_with_warmup") return ScheduleType::kConstantWithWarmup;
  fail(ErrorCode::kInvalidArgument,
       "unknown lr_scheduler_type '{}' (expected cosine, linear, constant or constant_with_warmup)", name);
}

std::string schedule_type_name(ScheduleType type) {
  switch (type) {
    case ScheduleType::kCosine: return "cosine";
    case ScheduleType::kLinear: return "linear";
    case ScheduleType::kConstant: return "constant";
    case ScheduleType::kConstantWithWarmup: return "constant_with_warmup";
  }
  return "cosine";
}

LearningRateSchedule::LearningRateSchedule(ScheduleType type, double base_lr, int64_t total_steps, double warmup_ratio,
                                           int64_t warmup_steps)
    : type_(type), base_lr_(base_lr), total_steps_(std::max<int64_t>(1, total_steps)) {
  if (warmup_ratio < 0 || warmup_ratio > 1)
    fail(ErrorCode::kInvalidArgument, "warmup_ratio must be in [0, 1] (got {})", warmup_ratio);
  warmup_steps_ = warmup_steps >= 0 ? warmup_steps
                                    : static_cast<int64_t>(std::ceil(static_cast<double>(total_steps_) * warmup_ratio));
  if (type_ == ScheduleType::kConstant) warmup_steps_ = 0;  // transformers' "constant" has no warmup
}

double LearningRateSchedule::lr_at(int64_t step) const {
  if (step < warmup_steps_) return base_lr_ * static_cast<double>(step) / static_cast<double>(std::max<int64_t>(1, warmup_steps_));
  const double progress = static_cast<double>(step - warmup_steps_) /
                          static_cast<double>(std::max<int64_t>(1, total_steps_ - warmup_steps_));
  switch (type_) {
    case ScheduleType::kCosine:
      return base_lr_ * std::max(0.0, 0.5 * (1.0 + std::cos(std::numbers::pi * progress)));
    case ScheduleType::kLinear:
      return base_lr_ * std::max(0.0, 1.0 - progress);
    case ScheduleType::kConstant:
    case ScheduleType::kConstantWithWarmup:
      return base_lr_;
  }
  return base_lr_;
}

}  // namespace t2sql::train
