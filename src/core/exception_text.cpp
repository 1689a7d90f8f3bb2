#include "core/exception_text.hpp"

#include <c10/util/Exception.h>

#include <algorithm>

namespace forge {

std::string exception_text(const std::exception& e) {
  auto* torch_error = dynamic_cast<const c10::Error*>(&e);
  std::string text = torch_error ? torch_error->what_without_backtrace() : e.what();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

}  // namespace forge
