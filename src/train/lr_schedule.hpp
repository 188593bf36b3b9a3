// Learning-rate schedules with the semantics of transformers' get_scheduler(), so a config moved
// from the Python stack trains the same way:
//   warmup_steps = ceil(total_steps * warmup_ratio) unless given explicitly;
//   during warmup lr = base * step / warmup_steps;
//   cosine: base * 0.5 * (1 + cos(pi * progress)), linear: base * (1 - progress), constant: base,
//   where progress = (step - warmup) / (total - warmup). No LibTorch here.
#pragma once

#include <cstdint>
#include <string>

namespace t2sql::train {

enum class ScheduleType { kCosine, kLinear, kConstant, kConstantWithWarmup };

// "cosine", "linear", "constant", "constant_with_warmup"; Error(kInvalidArgument) otherwise.
ScheduleType parse_schedule_type(const std::string& name);
std::string schedule_type_name(ScheduleType type);

class LearningRateSchedule {
 public:
  LearningRateSchedule(ScheduleType type, double base_lr, int64_t total_steps, double warmup_ratio,
                       int64_t warmup_steps = -1);
  // The learning rate for optimizer step `step` (0-based: the first update uses lr_at(0)).
  double lr_at(int64_t step) const;
  int64_t warmup_steps() const { return warmup_steps_; }
  int64_t total_steps() const { return total_steps_; }

 private:
  ScheduleType type_;
  double base_lr_;
  int64_t total_steps_;
  int64_t warmup_steps_;
};

}  // namespace t2sql::train
