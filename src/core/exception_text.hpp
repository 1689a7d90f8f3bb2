// What an exception says, fit for forge's one-line errors: libtorch's errors lose their C++
// backtrace, and line breaks become spaces.
#pragma once

#include <exception>
#include <string>

namespace forge {

std::string exception_text(const std::exception& e);

}  // namespace forge
