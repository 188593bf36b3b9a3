// The dev questions `t2sql demo` shows, with and without a model: one easy, one medium and one
// hard in the official hardness (concert_singer, employee_hire_evaluation, cre_Doc_Template_Mgt).
#pragma once

#include <array>
#include <cstddef>

namespace t2sql::cli {
inline constexpr std::array<size_t, 3> kDemoExamples = {0, 268, 331};
}
