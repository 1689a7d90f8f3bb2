#include "core/exception_text.hpp"

#include <torch/torch.h>

#include <gtest/gtest.h>

namespace forge {

TEST(ExceptionText, TorchErrorsLoseTheirBacktraceAndLineBreaks) {
  try {
    torch::ones({2}).view({3});
    FAIL();
  } catch (const std::exception& e) {
    std::string text = exception_text(e);
    EXPECT_NE(text.find("shape '[3]' is invalid"), std::string::npos) << text;
    EXPECT_EQ(text.find('\n'), std::string::npos) << text;
    EXPECT_EQ(text.find("Exception raised from"), std::string::npos) << text;
  }
  EXPECT_EQ(exception_text(std::runtime_error("two\nlines\n")), "two lines");
}

}  // namespace forge
