// Values checked against transformers' get_cosine_schedule_with_warmup / get_linear_schedule_with_warmup
// formulas (LambdaLR multiplier times the base lr).
#include "train/lr_schedule.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "common/error.hpp"

namespace t2sql::train {
namespace {

TEST(LearningRateSchedule, CosineWithWarmupRatioLikeTransformers) {
  // 100 steps, warmup_ratio 0.03 -> ceil(3.0) = 3 warmup steps.
  LearningRateSchedule schedule(ScheduleType::kCosine, 2e-4, 100, 0.03);
  EXPECT_EQ(schedule.warmup_steps(), 3);
  EXPECT_DOUBLE_EQ(schedule.lr_at(0), 0.0);
  EXPECT_DOUBLE_EQ(schedule.lr_at(1), 2e-4 / 3);
  EXPECT_DOUBLE_EQ(schedule.lr_at(3), 2e-4);
  const double progress = (50.0 - 3) / 97;
  EXPECT_DOUBLE_EQ(schedule.lr_at(50), 2e-4 * 0.5 * (1 + std::cos(std::numbers::pi * progress)));
  EXPECT_NEAR(schedule.lr_at(100), 0.0, 1e-20);
}

TEST(LearningRateSchedule, WarmupRoundsUp) {
  EXPECT_EQ(LearningRateSchedule(ScheduleType::kCosine, 1, 10, 0.03).warmup_steps(), 1);  // ceil(0.3)
  EXPECT_EQ(LearningRateSchedule(ScheduleType::kLinear, 1, 10, 0.0).warmup_steps(), 0);
  EXPECT_EQ(LearningRateSchedule(ScheduleType::kLinear, 1, 10, 0.5, 2).warmup_steps(), 2);  // explicit wins
}

TEST(LearningRateSchedule, LinearAndConstant) {
  LearningRateSchedule linear(ScheduleType::kLinear, 1.0, 10, 0.0);
  EXPECT_DOUBLE_EQ(linear.lr_at(0), 1.0);
  EXPECT_DOUBLE_EQ(linear.lr_at(5), 0.5);
  EXPECT_DOUBLE_EQ(linear.lr_at(12), 0.0);
  LearningRateSchedule constant(ScheduleType::kConstant, 0.1, 10, 0.5);
  EXPECT_DOUBLE_EQ(constant.lr_at(0), 0.1);  // no warmup for "constant"
  LearningRateSchedule warm(ScheduleType::kConstantWithWarmup, 0.1, 10, 0.2);
  EXPECT_DOUBLE_EQ(warm.lr_at(1), 0.05);
  EXPECT_DOUBLE_EQ(warm.lr_at(9), 0.1);
}

TEST(LearningRateSchedule, BadNamesAndRatiosAreErrors) {
  EXPECT_THROW(parse_schedule_type("cosine_with_restarts_typo"), Error);
  EXPECT_THROW(LearningRateSchedule(ScheduleType::kCosine, 1, 10, 1.5), Error);
  EXPECT_EQ(parse_schedule_type("linear"), ScheduleType::kLinear);
}

}  // namespace
}  // namespace t2sql::train
