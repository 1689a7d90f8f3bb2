#include "core/decimal.hpp"

namespace forge {

int64_t parse_decimal(const std::string& text, int64_t largest) {
  if (text.empty() || text.size() > 18) return -1;  // 18 digits cannot overflow 64 bits
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value <= largest ? value : -1;
}

}  // namespace forge
